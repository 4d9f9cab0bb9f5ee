"""Who may do what: the one place that decides, deny by default.

Scopes say *what* a token may do; ownership and tenancy (below) say *on what*. GraphQL fields
declare their scopes with `@requiresScopes` (see graphql/permissions.py), REST routes with
`require_scopes`; both call `check_scopes` here. Services call `ensure(...)` for writes and the
`visible_*` helpers for reads.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from c2c_api.errors import Forbidden, InsufficientScope, Unauthenticated


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
        # partners (confidential clients, client credentials)
        Scope("partner:read", "Read your partner (storefront) profile.", ActorKind.PARTNER),
        Scope("partner:members", "See the members of your storefront.", ActorKind.PARTNER),
        Scope("partner:catalog", "Manage your storefront's catalog.", ActorKind.PARTNER),
        # operators (platform staff, first-party clients)
        Scope("admin:moderation", "Moderate listings, messages and members.", ActorKind.OPERATOR),
        Scope("admin:partners", "Create and manage partners.", ActorKind.OPERATOR),
        Scope("admin:catalog", "Manage the category tree.", ActorKind.OPERATOR),
    ]
}
"""The scopes in use: each is required by at least one operation (docs/oauth.md, generated;
tests/test_scopes.py). Only these are advertised (server metadata, consent page) and granted."""

RESERVED_SCOPES: dict[str, Scope] = {
    s.name: s
    for s in [
        Scope("offers:write", "Make, counter and accept offers and bids.", ActorKind.MEMBER),
        Scope("orders:write", "Buy, pay, and take part in your orders.", ActorKind.MEMBER),
        Scope("ratings:write", "Rate the members you dealt with.", ActorKind.MEMBER),
        Scope("partner:orders", "See and act on your storefront's orders.", ActorKind.PARTNER),
        Scope("partner:config", "Change your storefront's settings and fees.", ActorKind.PARTNER),
        Scope("partner:webhooks", "Manage webhook subscriptions.", ActorKind.PARTNER),
        Scope("partner:reports", "Read your storefront's reports.", ActorKind.PARTNER),
        Scope("admin:disputes", "Decide disputes.", ActorKind.OPERATOR),
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


# --- listings and categories --------------------------------------------------------------------

# Statuses anyone may fetch directly (links keep working after the deal or the end).
PUBLIC_LISTING_STATUSES = frozenset({"PUBLISHED", "RESERVED", "SOLD", "CLOSED", "EXPIRED"})


def can_manage_categories(actor: Actor) -> bool:
    """Create, edit and retire categories: operators whose token holds admin:catalog."""
    return actor.is_operator and "admin:catalog" in actor.scopes


def is_listing_owner(actor: Actor, seller_id: uuid.UUID) -> bool:
    return actor.member_id is not None and actor.member_id == seller_id


def is_storefront_moderator(actor: Actor, partner_id: uuid.UUID | None) -> bool:
    """The partner of the listing's storefront, with partner:catalog."""
    return (
        partner_id is not None
        and actor.kind == ActorKind.PARTNER
        and actor.partner_id == partner_id
        and "partner:catalog" in actor.scopes
    )


def is_listing_moderator(actor: Actor, partner_id: uuid.UUID | None) -> bool:
    """Who may remove and restore a listing: operators (admin:moderation), its storefront."""
    if actor.is_operator and "admin:moderation" in actor.scopes:
        return True
    return is_storefront_moderator(actor, partner_id)


def can_see_listing(
    actor: Actor, *, status: str, seller_id: uuid.UUID, partner_id: uuid.UUID | None
) -> bool:
    """Direct reads: public statuses for all; drafts and paused for owner, storefront,
    operators; removed listings for the owner and operators."""
    if status in PUBLIC_LISTING_STATUSES:
        return True
    if is_listing_owner(actor, seller_id) or actor.is_operator:
        return True
    return status != "REMOVED" and is_storefront_moderator(actor, partner_id)


def can_see_listing_history(
    actor: Actor, *, seller_id: uuid.UUID, partner_id: uuid.UUID | None
) -> bool:
    """The edit history: the owner, the storefront's partner and operators."""
    return (
        is_listing_owner(actor, seller_id)
        or actor.is_operator
        or is_storefront_moderator(actor, partner_id)
    )
