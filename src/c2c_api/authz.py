"""Who may do what: the one place that decides, deny by default.

Scopes say *what* a token may do; ownership and tenancy (below) say *on what*. GraphQL fields
declare their scopes with `@requiresScopes` (see graphql/permissions.py), REST routes with
`require_scopes`; both call `check_scopes` here. Services ask the resource's policy
(`ListingPolicy`): its predicates for a row in hand, its SQL clauses to scope a select.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

import sqlalchemy as sa

from c2c_api.errors import Forbidden, InsufficientScope, Unauthenticated
from c2c_api.kit.clock import utcnow
from c2c_api.listings.models import Listing, ListingStatus
from c2c_api.orders.models import Order
from c2c_api.processes.declarations import Role
from c2c_api.ratings.models import RatedRole, Rating


class ActorKind(StrEnum):
    ANONYMOUS = "anonymous"
    MEMBER = "member"
    PARTNER = "partner"
    OPERATOR = "operator"


@dataclass(frozen=True)
class Scope:
    name: str
    description: str
    audience: ActorKind  # who can hold it: MEMBER (also operators), PARTNER or OPERATOR


SCOPES: dict[str, Scope] = {
    s.name: s
    for s in [
        # members (front ends, authorization code + PKCE)
        Scope("account:read", "Read your own account: e-mail, settings.", ActorKind.MEMBER),
        Scope("account:write", "Change your profile, password and settings.", ActorKind.MEMBER),
        Scope("listings:write", "Publish and manage your listings.", ActorKind.MEMBER),
        Scope("messages:write", "Read and send your messages.", ActorKind.MEMBER),
        Scope("offers:write", "Make, counter and answer offers.", ActorKind.MEMBER),
        Scope("ratings:write", "Rate the members you dealt with.", ActorKind.MEMBER),
        Scope(
            "orders:write",
            "Buy, pay, take part in your orders, and withdraw your balance.",
            ActorKind.MEMBER,
        ),
        # partners (confidential clients, client credentials)
        Scope("partner:read", "Read your partner (storefront) profile.", ActorKind.PARTNER),
        Scope("partner:members", "See the members of your storefront.", ActorKind.PARTNER),
        Scope("partner:catalog", "Manage your storefront's catalog.", ActorKind.PARTNER),
        # operators (platform staff, first-party clients)
        Scope("admin:moderation", "Moderate listings, messages and members.", ActorKind.OPERATOR),
        Scope("admin:partners", "Create and manage partners.", ActorKind.OPERATOR),
        Scope("admin:catalog", "Manage the category tree.", ActorKind.OPERATOR),
        Scope(
            "admin:disputes",
            "See orders with a reported problem and decide them.",
            ActorKind.OPERATOR,
        ),
    ]
}
"""The scopes in use: each is required by at least one operation (docs/oauth.md, generated;
tests/test_scopes.py). Only these are advertised (server metadata, consent page) and granted."""

RESERVED_SCOPES: dict[str, Scope] = {
    s.name: s
    for s in [
        Scope("partner:orders", "See and act on your storefront's orders.", ActorKind.PARTNER),
        Scope("partner:config", "Change your storefront's settings and fees.", ActorKind.PARTNER),
        Scope("partner:webhooks", "Manage webhook subscriptions.", ActorKind.PARTNER),
        Scope("partner:reports", "Read your storefront's reports.", ActorKind.PARTNER),
        Scope("admin:payments", "See and act on payments and the ledger.", ActorKind.OPERATOR),
    ]
}
"""Names kept for the deal journey (offers, orders, ratings, partner reports and webhooks,
disputes, payments): neither advertised nor granted nor accepted in a registration until an
operation requires one; it then moves to SCOPES."""


def scopes_for(audience: ActorKind) -> list[str]:
    """Every scope meant for one kind of caller."""
    return [name for name, s in SCOPES.items() if s.audience == audience]


@dataclass(frozen=True)
class Actor:
    """The authenticated caller of one request."""

    kind: ActorKind
    scopes: frozenset[str] = field(default_factory=frozenset)
    member_id: uuid.UUID | None = None
    partner_id: uuid.UUID | None = None
    client_id: str | None = None
    token_id: str | None = None
    # When the access token stops being valid (a subscription ends then); None: anonymous.
    expires_at: datetime | None = None

    @property
    def is_member(self) -> bool:
        """A signed-in person (an operator is a member too)."""
        return self.member_id is not None

    @property
    def is_operator(self) -> bool:
        return self.kind == ActorKind.OPERATOR


ANONYMOUS = Actor(kind=ActorKind.ANONYMOUS)


def check_scopes(actor: Actor, required: Sequence[Sequence[str]]) -> None:
    """Pass when the actor holds every scope of at least one alternative.

    `required` is a list of alternatives (OR) of scope sets (AND), as Apollo's
    `@requiresScopes` spells it. An empty list means the field is public.
    """
    if not required:
        return
    for alternative in required:
        if all(scope in actor.scopes for scope in alternative):
            return
    if actor.kind == ActorKind.ANONYMOUS:
        raise Unauthenticated(context={"requiredScopes": [list(s) for s in required]})
    raise InsufficientScope(required)


def require_member(actor: Actor) -> uuid.UUID:
    """The member id of the caller, or Unauthenticated."""
    if actor.member_id is None:
        raise Unauthenticated("This operation needs a signed-in member.")
    return actor.member_id


def require_partner(actor: Actor) -> uuid.UUID:
    """The partner id a partner token is bound to, or Forbidden."""
    if actor.kind != ActorKind.PARTNER or actor.partner_id is None:
        raise Forbidden("This operation needs a partner token.")
    return actor.partner_id


def can_see_private_profile(actor: Actor, member_id: uuid.UUID) -> bool:
    """E-mail and account settings: the member themself with account:read, or a moderator."""
    if actor.member_id == member_id and "account:read" in actor.scopes:
        return True
    return actor.is_operator and "admin:moderation" in actor.scopes


def can_see_offer(actor: Actor, *, buyer_id: uuid.UUID, seller_id: uuid.UUID) -> bool:
    """An offer: its two parties, with offers:write (as `myOffers` requires)."""
    return (
        actor.member_id is not None
        and actor.member_id in (buyer_id, seller_id)
        and "offers:write" in actor.scopes
    )


def can_see_money_of(actor: Actor, member_id: uuid.UUID) -> bool:
    """A member's payouts and ledger entries: the member themself, with orders:write (as
    `myPayouts` and `myLedgerEntries` require)."""
    return actor.member_id == member_id and "orders:write" in actor.scopes


def can_see_partner(actor: Actor, partner_id: uuid.UUID) -> bool:
    """A partner's private data: its own tokens and operators."""
    return actor.partner_id == partner_id or actor.is_operator


E = TypeVar("E", bound=Callable[..., Any])


def require_scopes(*alternatives: str | Sequence[str]) -> Callable[[E], E]:
    """Declares the scopes a REST endpoint requires (any one alternative, every scope of it), as
    `@requiresScopes` does for GraphQL: docs/oauth.md lists them. The endpoint checks them
    with `check_scopes(actor, endpoint_scopes(endpoint))` once it knows the caller."""
    alts = [[a] if isinstance(a, str) else list(a) for a in alternatives]
    unknown = unknown_scopes(s for alt in alts for s in alt)
    if not alts or unknown:
        raise ValueError(f"require_scopes needs scopes in use; unknown: {unknown}")

    def declare(endpoint: E) -> E:
        endpoint.required_scopes = alts  # type: ignore[attr-defined]
        return endpoint

    return declare


def endpoint_scopes(endpoint: object) -> list[list[str]]:
    """The scope alternatives declared on a REST endpoint with `require_scopes` ([] if none)."""
    declared: list[list[str]] = getattr(endpoint, "required_scopes", [])
    return declared


def unknown_scopes(names: Iterable[str]) -> list[str]:
    """The names that are not scopes in use (for validating client registrations); reserved
    names are refused too."""
    return [n for n in names if n not in SCOPES]


def can_manage_partners(actor: Actor) -> bool:
    """Create and list partners: operators whose token holds admin:partners."""
    return actor.is_operator and "admin:partners" in actor.scopes


def can_list_partner_members(actor: Actor, partner_id: uuid.UUID) -> bool:
    """The members of a storefront: that partner with partner:members, or a partner admin."""
    if actor.kind == ActorKind.PARTNER:
        return actor.partner_id == partner_id and "partner:members" in actor.scopes
    return can_manage_partners(actor)


# --- categories ---------------------------------------------------------------------------------


def can_manage_categories(actor: Actor) -> bool:
    """Create, edit and retire categories: operators whose token holds admin:catalog."""
    return actor.is_operator and "admin:catalog" in actor.scopes


# --- listings -----------------------------------------------------------------------------------

# Statuses anyone may fetch directly (links keep working after the deal or the end).
PUBLIC_LISTING_STATUSES = frozenset(
    {
        ListingStatus.PUBLISHED,
        ListingStatus.RESERVED,
        ListingStatus.SOLD,
        ListingStatus.CLOSED,
        ListingStatus.EXPIRED,
    }
)
# Statuses that time ends: past `ends_at` or `expires_at` they read EXPIRED.
ENDING_STATUSES = (ListingStatus.PUBLISHED, ListingStatus.PAUSED)
_LISTING = Listing.__table__.c  # type: ignore[attr-defined]


class ListingPolicy:
    """Who may see and do what with a listing: each rule written once, in Python for a row in
    hand and in SQL for a scoped select, and the two agree (tests/policy/test_listing_policy.py).

    - *live*: published and not past its end (`ends_at`) or lifetime (`expires_at`): what
      search, saved searches and questions deal with;
    - *visible*: what an actor may fetch by id or link: public statuses (a listing past its end
      reads EXPIRED, public) for everyone; drafts and paused listings for the owner, operators
      and the storefront's partner (partner:catalog); removed listings for the owner and
      operators;
    - *insiders* (owner, operators, the storefront's partner): history, reserve price, photos;
    - *moderators* (operators with admin:moderation, the storefront's partner): remove, restore,
      hide questions; only operators undo an operator's removal;
    - *editors*: the owner with listings:write.

    What an actor may not see is NotFound for it, never Forbidden (docs/architecture.md).
    """

    # -- time ------------------------------------------------------------------------------------

    @staticmethod
    def is_past_end(listing: Listing, now: datetime) -> bool:
        """Whether `ends_at` or `expires_at` has passed (whatever the status)."""
        return any(end is not None and end <= now for end in (listing.ends_at, listing.expires_at))

    @classmethod
    def effective_status(cls, listing: Listing, now: datetime | None = None) -> ListingStatus:
        """The status as callers see it: a published or paused listing past its end is EXPIRED
        even before the expiry job writes it."""
        status = ListingStatus(listing.status)
        if status in ENDING_STATUSES and cls.is_past_end(listing, now or utcnow()):
            return ListingStatus.EXPIRED
        return status

    @classmethod
    def is_live(cls, listing: Listing, now: datetime | None = None) -> bool:
        """Published and not past its end: searchable, open for questions."""
        return cls.effective_status(listing, now) == ListingStatus.PUBLISHED

    @staticmethod
    def live_clauses(now: datetime) -> list[sa.ColumnElement[bool]]:
        """`is_live` in SQL, as separate conditions (search ANDs them with its own: the status
        comparison is what its indexes start with, docs/search.md)."""
        table = _LISTING
        return [
            table.status == ListingStatus.PUBLISHED,
            sa.or_(table.ends_at.is_(None), table.ends_at > now),
            sa.or_(table.expires_at.is_(None), table.expires_at > now),
        ]

    # -- who is who ------------------------------------------------------------------------------

    @staticmethod
    def is_owner(actor: Actor, listing: Listing) -> bool:
        """The caller is the listing's seller."""
        return actor.member_id is not None and actor.member_id == listing.seller_id

    @staticmethod
    def is_storefront_partner(actor: Actor, listing: Listing) -> bool:
        """The partner of the listing's storefront, with partner:catalog."""
        return (
            listing.partner_id is not None
            and actor.kind == ActorKind.PARTNER
            and actor.partner_id == listing.partner_id
            and "partner:catalog" in actor.scopes
        )

    @staticmethod
    def is_operator_moderator(actor: Actor) -> bool:
        """An operator whose token holds admin:moderation (moderates every listing)."""
        return actor.is_operator and "admin:moderation" in actor.scopes

    @classmethod
    def is_insider(cls, actor: Actor, listing: Listing) -> bool:
        """The owner, any operator, or the storefront's partner."""
        return (
            cls.is_owner(actor, listing)
            or actor.is_operator
            or cls.is_storefront_partner(actor, listing)
        )

    # -- visibility ------------------------------------------------------------------------------

    @classmethod
    def can_see(cls, actor: Actor, listing: Listing, now: datetime | None = None) -> bool:
        """Whether `actor` may fetch the listing by id or link."""
        status = cls.effective_status(listing, now)
        if status in PUBLIC_LISTING_STATUSES:
            return True
        if cls.is_owner(actor, listing) or actor.is_operator:
            return True
        return status != ListingStatus.REMOVED and cls.is_storefront_partner(actor, listing)

    @staticmethod
    def visible_clause(actor: Actor, now: datetime) -> sa.ColumnElement[bool]:
        """`can_see` in SQL, for a select over listings (evaluates to true, never to null,
        exactly for the rows `can_see` accepts)."""
        if actor.is_operator:
            return sa.true()
        table = _LISTING
        public = sa.or_(
            table.status.in_(sorted(PUBLIC_LISTING_STATUSES)),
            # paused past its end reads EXPIRED (a published one already is public)
            sa.and_(
                table.status == ListingStatus.PAUSED,
                sa.or_(table.ends_at <= now, table.expires_at <= now),
            ),
        )
        alternatives: list[sa.ColumnElement[bool]] = [public]
        if actor.member_id is not None:
            alternatives.append(table.seller_id == actor.member_id)
        if (
            actor.kind == ActorKind.PARTNER
            and actor.partner_id is not None
            and "partner:catalog" in actor.scopes
        ):
            alternatives.append(
                sa.and_(
                    table.partner_id == actor.partner_id,
                    table.status != ListingStatus.REMOVED,
                )
            )
        return sa.or_(*alternatives)

    @staticmethod
    def own_clause(actor: Actor) -> sa.ColumnElement[bool]:
        """The caller's own listings, every status (myListings); Unauthenticated without a
        member."""
        member_id = require_member(actor)
        return _LISTING.seller_id == member_id

    @staticmethod
    def storefront_catalog_clause(actor: Actor) -> sa.ColumnElement[bool]:
        """A storefront's whole catalog for its partner with partner:catalog (storefrontListings),
        removed listings included so that it can restore them; Forbidden for anyone else."""
        partner_id = require_partner(actor)
        if "partner:catalog" not in actor.scopes:
            raise Forbidden()
        return _LISTING.partner_id == partner_id

    # -- actions (callers scope the fetch with can_see first: NotFound before Forbidden) ---------

    @staticmethod
    def can_create(actor: Actor) -> bool:
        """Create a listing: a member with listings:write."""
        return actor.member_id is not None and "listings:write" in actor.scopes

    @classmethod
    def can_edit(cls, actor: Actor, listing: Listing) -> bool:
        """Change fields, publish, pause, resume, close: the owner with listings:write."""
        return cls.is_owner(actor, listing) and "listings:write" in actor.scopes

    @classmethod
    def can_see_history(cls, actor: Actor, listing: Listing) -> bool:
        """The edit history and the secret reserve price: insiders."""
        return cls.is_insider(actor, listing)

    @classmethod
    def can_manage_photos(cls, actor: Actor, listing: Listing) -> bool:
        """Attach, order and detach a listing's photos: insiders."""
        return cls.is_insider(actor, listing)

    @classmethod
    def can_moderate(cls, actor: Actor, listing: Listing) -> bool:
        """Remove a listing, restore a storefront's removal, hide questions: operators with
        admin:moderation, the storefront's partner."""
        return cls.is_operator_moderator(actor) or cls.is_storefront_partner(actor, listing)

    @classmethod
    def can_restore(cls, actor: Actor, listing: Listing, *, removed_by: str) -> bool:
        """Undo a removal: an operator's only by operators, a storefront's by either."""
        if removed_by == "operator":
            return cls.is_operator_moderator(actor)
        return cls.can_moderate(actor, listing)

    @classmethod
    def can_hide_question(cls, actor: Actor, listing: Listing) -> bool:
        """Hide a public question: the seller or a moderator of the listing."""
        return cls.is_owner(actor, listing) or cls.can_moderate(actor, listing)

    @classmethod
    def can_answer_question(cls, actor: Actor, listing: Listing) -> bool:
        """Answer a public question: the seller only."""
        return cls.is_owner(actor, listing)


# --- photos -------------------------------------------------------------------------------------


class PhotoPolicy:
    """Who sees a photo: its uploader and operators always; anyone else while the photo belongs
    to a listing they may see (ListingPolicy.can_see, checked by the caller in one batch)."""

    @staticmethod
    def sees_unconditionally(actor: Actor, *, owner_id: uuid.UUID) -> bool:
        """The uploader or an operator: no need to look at the photo's listing."""
        return actor.is_operator or (actor.member_id is not None and actor.member_id == owner_id)

    @classmethod
    def can_see(cls, actor: Actor, *, owner_id: uuid.UUID, listing_visible: bool) -> bool:
        """Whether `actor` may see the photo, given whether it may see the photo's listing."""
        return listing_visible or cls.sees_unconditionally(actor, owner_id=owner_id)


class OrderPolicy:
    """Who sees an order and in which roles: its buyer and seller (as such), operators
    holding admin:disputes (as OPERATOR). Anyone else does not see it (ORDER_NOT_FOUND)."""

    @staticmethod
    def roles(actor: Actor, order: Order) -> set[Role]:
        roles: set[Role] = set()
        if actor.member_id is not None and "orders:write" in actor.scopes:
            if actor.member_id == order.buyer_id:
                roles.add(Role.BUYER)
            if actor.member_id == order.seller_id:
                roles.add(Role.SELLER)
        if actor.is_operator and "admin:disputes" in actor.scopes:
            roles.add(Role.OPERATOR)
        return roles

    @classmethod
    def can_see(cls, actor: Actor, order: Order) -> bool:
        return bool(cls.roles(actor, order))

    @staticmethod
    def sees_handover_code(actor: Actor, order: Order) -> bool:
        """Only the buyer sees the meet-up's handover code (they give it to the seller)."""
        return actor.member_id is not None and actor.member_id == order.buyer_id


_RATING = Rating.__table__.c  # type: ignore[attr-defined]


class RatingPolicy:
    """Who sees and writes ratings (docs/ratings.md, "Who sees what"): double-blind.

    - a revealed rating is public (a member's reputation is);
    - before the reveal only its rater sees it (with ratings:write); the member it is about
      sees nothing of it, not even its score: for them it does not exist (RATING_NOT_FOUND);
      they may know that the other side rated (Order.ratingStatus), nothing more;
    - the order's buyer rates its seller and the seller its buyer, with ratings:write;
    - the rated member replies, once, to a revealed rating.
    """

    @staticmethod
    def rated_role(actor: Actor, order: Order) -> RatedRole | None:
        """The side of the member the caller would rate on this order (None: not a party,
        or no ratings:write)."""
        if actor.member_id is None or "ratings:write" not in actor.scopes:
            return None
        if actor.member_id == order.buyer_id:
            return RatedRole.SELLER
        if actor.member_id == order.seller_id:
            return RatedRole.BUYER
        return None

    @staticmethod
    def is_rater(actor: Actor, rating: Rating) -> bool:
        return (
            actor.member_id is not None
            and actor.member_id == rating.rater_id
            and "ratings:write" in actor.scopes
        )

    @classmethod
    def can_see(cls, actor: Actor, rating: Rating) -> bool:
        """Revealed: everyone; hidden: its rater only."""
        return rating.revealed_at is not None or cls.is_rater(actor, rating)

    @staticmethod
    def visible_clause(actor: Actor) -> sa.ColumnElement[bool]:
        """`can_see` in SQL, for a select over ratings."""
        revealed = _RATING.revealed_at.is_not(None)
        if actor.member_id is None or "ratings:write" not in actor.scopes:
            return revealed
        return sa.or_(revealed, _RATING.rater_id == actor.member_id)

    @staticmethod
    def can_reply(actor: Actor, rating: Rating) -> bool:
        """The member the rating is about, with ratings:write (once revealed: the caller
        checks `can_see` first)."""
        return (
            actor.member_id is not None
            and actor.member_id == rating.rated_id
            and "ratings:write" in actor.scopes
        )


class ThreadPolicy:
    """Who sees a conversation and writes in it: its two participants (the listing's owner and
    the interested member), with messages:write. Nobody else, operators included, reads it
    here (THREAD_NOT_FOUND); blocks are the conversations service's business."""

    SCOPE = "messages:write"

    @classmethod
    def is_participant(cls, actor: Actor, *, owner_id: uuid.UUID, interested_id: uuid.UUID) -> bool:
        return (
            actor.member_id is not None
            and actor.member_id in (owner_id, interested_id)
            and cls.SCOPE in actor.scopes
        )

    @classmethod
    def can_see(cls, actor: Actor, *, owner_id: uuid.UUID, interested_id: uuid.UUID) -> bool:
        """Read the thread and its messages, write in it, move one's read marker."""
        return cls.is_participant(actor, owner_id=owner_id, interested_id=interested_id)

    @classmethod
    def member_of(cls, actor: Actor) -> uuid.UUID | None:
        """The member whose threads the caller lists (None: no threads to list)."""
        if actor.member_id is None or cls.SCOPE not in actor.scopes:
            return None
        return actor.member_id
