"""Listings: reads honouring visibility, and every write (create, edit, lifecycle, moderation).

Each write locks the row (SELECT … FOR UPDATE on PostgreSQL; SQLite writers hold the database
lock), checks `expectedVersion`, validates the listing as it would become, bumps `version` and
writes a ListingRevision (snapshot, changed fields, actor) in the same transaction.
"""

from __future__ import annotations

import math
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from c2c_api import authz
from c2c_api.authz import Actor, ActorKind
from c2c_api.categories.service import Catalog, get_taxonomy
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.errors import DomainError, Forbidden, InvalidInput, InvalidState, NotFound
from c2c_api.events.service import record_event
from c2c_api.kit.clock import utcnow
from c2c_api.kit.countries import is_country_code
from c2c_api.kit.keyset import keyset_page
from c2c_api.kit.money import MAX_AMOUNT, is_currency
from c2c_api.listings.errors import (
    CoordinatesOutOfRange,
    EndTimeInPast,
    EndTimeTooFar,
    InvalidPrice,
    ListingIncomplete,
    ListingNotEditable,
    UnsupportedCurrency,
    VersionConflict,
)
from c2c_api.listings.models import Listing, ListingRevision, ListingStatus, Visibility
from c2c_api.partners.service import Cursor, Page
from c2c_api.users.models import Member

ENDING_STATUSES = (ListingStatus.PUBLISHED, ListingStatus.PAUSED)


def effective_status(listing: Listing, now: datetime | None = None) -> ListingStatus:
    """The status as callers see it: a published or paused listing past its end is EXPIRED
    even before `c2c-api listings expire` writes it (expire_due_listings)."""
    if listing.status in ENDING_STATUSES:
        now = now or utcnow()
        for end in (listing.ends_at, listing.expires_at):
            if end is not None and end <= now:
                return ListingStatus.EXPIRED
    return listing.status


def can_see(actor: Actor, listing: Listing) -> bool:
    return authz.can_see_listing(
        actor,
        status=effective_status(listing).value,
        seller_id=listing.seller_id,
        partner_id=listing.partner_id,
    )


async def get_visible_listings(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Listing]:
    """Listings by id that `actor` may fetch directly (one statement, for DataLoaders)."""
    if not ids:
        return {}
    rows = await session.exec(select(Listing).where(col(Listing.id).in_(list(ids))))
    return {row.id: row for row in rows if can_see(actor, row)}


async def get_revisions(
    session: AsyncSession, listing_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ListingRevision]]:
    """Edit history per listing, newest first (callers check who may see it)."""
    if not listing_ids:
        return {}
    rows = await session.exec(
        select(ListingRevision)
        .where(col(ListingRevision.listing_id).in_(list(listing_ids)))
        .order_by(col(ListingRevision.version).desc())
    )
    out: dict[uuid.UUID, list[ListingRevision]] = {}
    for r in rows:
        out.setdefault(r.listing_id, []).append(r)
    return out


async def _newest_first(
    session: AsyncSession, query: SelectOfScalar[Listing], after: Cursor | None, limit: int
) -> Page[Listing]:
    items, has_next = await keyset_page(
        session,
        query,
        created_at=col(Listing.created_at),
        ident=col(Listing.id),
        after=after,
        limit=limit,
    )
    return Page(items=items, has_next=has_next)


async def list_my_listings(
    session: AsyncSession,
    actor: Actor,
    *,
    status: ListingStatus | None = None,
    limit: int = 20,
    after: Cursor | None = None,
) -> Page[Listing]:
    """The caller's own listings, newest first, keyset-paginated (every status)."""
    member_id = authz.require_member(actor)
    query = select(Listing).where(Listing.seller_id == member_id)
    if status is not None:
        query = query.where(Listing.status == status)
    return await _newest_first(session, query, after, limit)


async def list_storefront_listings(
    session: AsyncSession,
    actor: Actor,
    *,
    status: ListingStatus | None = None,
    limit: int = 20,
    after: Cursor | None = None,
) -> Page[Listing]:
    """A storefront's listings for its partner (partner:catalog), newest first; removed ones
    included so that moderators can restore them."""
    partner_id = authz.require_partner(actor)
    if "partner:catalog" not in actor.scopes:
        raise Forbidden()
    query = select(Listing).where(Listing.partner_id == partner_id)
    if status is not None:
        query = query.where(Listing.status == status)
    return await _newest_first(session, query, after, limit)


# =============================================================================================
# Writes: create, update, lifecycle, moderation, expiry
# =============================================================================================

MAX_TITLE = 120
MAX_DESCRIPTION = 10_000
MAX_QUANTITY = 10_000
MAX_TARGET_QUANTITY = 100_000
MAX_RENTAL_DAYS = 365
MAX_SERVICE_MINUTES = 7 * 24 * 60
MAX_CARRIERS = 10
MAX_CARRIER_LENGTH = 40
AUCTION_MAX_DURATION = timedelta(days=30)
GROUP_BUY_MAX_DURATION = timedelta(days=90)
LISTING_LIFETIME = timedelta(days=90)
"""Kinds that do not end by time are shown this long after publication, then expire."""

# Public position: a grid of GRID_DEGREES of latitude (~1.1 km); longitude cells are widened by
# 1/cos(latitude) so that they are ~1.1 km wide at every latitude. The position shown is the
# centre of the cell holding the exact one: deterministic (an edit that does not move the
# listing out of its cell does not move the public point) and never closer than needed.
GRID_DEGREES = 0.01

K = ListingKind

# Which column each kind's sub-input may set, with its input name (camelCase, for errors).
KIND_FIELDS: dict[ListingKind, dict[str, str]] = {
    K.SALE: {"price": "sale.price", "accepts_offers": "sale.acceptsOffers"},
    K.AUCTION: {
        "start_price": "auction.startPrice",
        "reserve_price": "auction.reservePrice",
        "buy_now_price": "auction.buyNowPrice",
        "bid_increment": "auction.bidIncrement",
        "ends_at": "auction.endsAt",
    },
    K.RENTAL: {
        "price_per_day": "rental.pricePerDay",
        "deposit": "rental.deposit",
        "min_days": "rental.minDays",
        "max_days": "rental.maxDays",
    },
    K.SERVICE: {
        "price": "service.price",
        "price_unit": "service.priceUnit",
        "duration_minutes": "service.durationMinutes",
    },
    K.SWAP: {"swap_seeks": "swap.swapSeeks"},
    K.DONATION: {},
    K.GROUP_BUY: {
        "price": "groupBuy.unitPrice",
        "target_quantity": "groupBuy.targetQuantity",
        "ends_at": "groupBuy.endsAt",
    },
    K.WANTED: {"price": "wanted.budget"},
}

COMMON_FIELDS: dict[str, str] = {
    "title": "title",
    "description": "description",
    "category_slug": "category",
    "condition": "condition",
    "attributes": "attributes",
    "quantity": "quantity",
    "currency": "currency",
    "visibility": "visibility",
    "city": "location.city",
    "country": "location.country",
    "latitude": "location.latitude",
    "longitude": "location.longitude",
    "shipping_enabled": "handover.shipping.enabled",
    "shipping_fee": "handover.shipping.fee",
    "shipping_carriers": "handover.shipping.carriers",
    "meetup_enabled": "handover.meetup.enabled",
    "meetup_area": "handover.meetup.area",
}

# Kinds whose goods change hands: a condition and a handover option are needed to publish.
GOODS = frozenset({K.SALE, K.AUCTION, K.SWAP, K.DONATION, K.GROUP_BUY, K.RENTAL})
NEEDS_CONDITION = frozenset({K.SALE, K.AUCTION, K.SWAP, K.DONATION})
# What publishing needs, per kind (columns).
REQUIRED_TO_PUBLISH: dict[ListingKind, tuple[str, ...]] = {
    K.SALE: ("price",),
    K.AUCTION: ("start_price", "ends_at"),
    K.RENTAL: ("price_per_day",),
    K.SERVICE: ("price", "price_unit"),
    K.SWAP: ("swap_seeks",),
    K.DONATION: (),
    K.GROUP_BUY: ("price", "target_quantity", "ends_at"),
    K.WANTED: (),
}
EDITABLE = frozenset({ListingStatus.DRAFT, ListingStatus.PUBLISHED, ListingStatus.PAUSED})
# Columns an edit may never change directly.
_SNAPSHOT_SKIP = frozenset({"public_latitude", "public_longitude"})


def field_name(kind: ListingKind, column: str) -> str:
    """The camelCase input path of a column, for error `fields`."""
    return KIND_FIELDS[kind].get(column) or COMMON_FIELDS.get(column, column)


def approximate_position(latitude: float, longitude: float) -> tuple[float, float]:
    """The centre of the ~1 km grid cell holding (latitude, longitude); see GRID_DEGREES."""
    lat_cell = math.floor(latitude / GRID_DEGREES)
    lat = min(max((lat_cell + 0.5) * GRID_DEGREES, -90.0), 90.0)
    step = GRID_DEGREES / max(math.cos(math.radians(lat)), 0.01)
    lon_cell = math.floor((longitude + 180.0) / step)
    lon = (lon_cell + 0.5) * step - 180.0
    lon = min(max(lon, -180.0), 180.0)
    return round(lat, 5), round(lon, 5)


def compute_sort_price(listing: Listing) -> int | None:
    """The amount used to sort and filter by price, whatever the kind."""
    kind = ListingKind(listing.kind)
    if kind in (K.SALE, K.SERVICE, K.GROUP_BUY, K.WANTED):
        return listing.price
    if kind is K.AUCTION:
        return listing.start_price  # the current bid, once bids exist (offers issue)
    if kind is K.RENTAL:
        return listing.price_per_day
    return None


# --- validation -------------------------------------------------------------------------------


class _Errors:
    """Collects problems; raises the first family found with every field at fault."""

    def __init__(self, kind: ListingKind) -> None:
        self.kind = kind
        self.found: list[tuple[type[DomainError], str, str | None]] = []

    def add(self, error: type[DomainError], column: str, message: str | None = None) -> None:
        self.found.append((error, field_name(self.kind, column), message))

    def raise_if_any(self) -> None:
        if not self.found:
            return
        error, _, message = self.found[0]
        fields = [f for e, f, _ in self.found if e is error]
        raise error(message, fields=list(dict.fromkeys(fields)))


def _amount(errors: _Errors, listing: Listing, column: str, *, allow_zero: bool = False) -> None:
    value = getattr(listing, column)
    if value is None:
        return
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_AMOUNT:
        errors.add(InvalidPrice, column)


def _text(errors: _Errors, listing: Listing, column: str, limit: int, *, required: bool) -> None:
    value = getattr(listing, column)
    if value is None:
        if required:
            errors.add(InvalidInput, column, "Enter a text.")
        return
    if required and not value.strip():
        errors.add(InvalidInput, column, "Enter a text.")
    elif len(value) > limit:
        errors.add(InvalidInput, column, f"Use at most {limit} characters.")
    elif any(unicodedata.category(c) == "Cc" and c not in "\n\t\r" for c in value):
        errors.add(InvalidInput, column, "Remove the control characters.")


def _bounded_int(errors: _Errors, listing: Listing, column: str, low: int, high: int) -> None:
    value = getattr(listing, column)
    if value is not None and not low <= value <= high:
        errors.add(InvalidInput, column, f"Use a whole number from {low} to {high}.")


def _validate(
    listing: Listing, changed: set[str], catalog: Catalog, *, now: datetime, publishing: bool
) -> None:
    """Check the listing as it would become; typed errors name the input fields at fault."""
    kind = ListingKind(listing.kind)
    errors = _Errors(kind)

    # Currency, then amounts.
    if not is_currency(listing.currency):
        errors.add(UnsupportedCurrency, "currency")
    for column in ("price", "start_price", "reserve_price", "buy_now_price", "price_per_day"):
        _amount(errors, listing, column)
    _amount(errors, listing, "bid_increment")
    _amount(errors, listing, "deposit", allow_zero=True)
    _amount(errors, listing, "shipping_fee", allow_zero=True)
    if kind is K.AUCTION and listing.start_price is not None:
        if listing.reserve_price is not None and listing.reserve_price < listing.start_price:
            errors.add(
                InvalidPrice, "reserve_price", "The reserve must be at least the start price."
            )
        if listing.buy_now_price is not None and listing.buy_now_price <= listing.start_price:
            errors.add(
                InvalidPrice, "buy_now_price", "The buy-now price must exceed the start price."
            )
        if (
            listing.buy_now_price is not None
            and listing.reserve_price is not None
            and listing.buy_now_price < listing.reserve_price
        ):
            errors.add(
                InvalidPrice, "buy_now_price", "The buy-now price must be at least the reserve."
            )
    errors.raise_if_any()

    # Coordinates.
    lat, lon = listing.latitude, listing.longitude
    if (lat is None) != (lon is None):
        errors.add(
            CoordinatesOutOfRange,
            "latitude" if lat is None else "longitude",
            "Give both latitude and longitude, or neither.",
        )
    if lat is not None and not (math.isfinite(lat) and -90 <= lat <= 90):
        errors.add(CoordinatesOutOfRange, "latitude")
    if lon is not None and not (math.isfinite(lon) and -180 <= lon <= 180):
        errors.add(CoordinatesOutOfRange, "longitude")
    errors.raise_if_any()

    # End time (checked when set, and again when publishing).
    if listing.ends_at is not None and ("ends_at" in changed or publishing):
        if listing.ends_at <= now:
            errors.add(EndTimeInPast, "ends_at")
        else:
            longest = AUCTION_MAX_DURATION if kind is K.AUCTION else GROUP_BUY_MAX_DURATION
            if listing.ends_at > now + longest:
                errors.add(
                    EndTimeTooFar,
                    "ends_at",
                    f"The end time must be within {longest.days} days.",
                )
    errors.raise_if_any()

    # Texts and counts.
    _text(errors, listing, "title", MAX_TITLE, required=True)
    _text(errors, listing, "description", MAX_DESCRIPTION, required=False)
    _text(errors, listing, "swap_seeks", 500, required=False)
    _text(errors, listing, "city", 100, required=False)
    _text(errors, listing, "meetup_area", 200, required=False)
    if listing.country is not None and not is_country_code(listing.country):
        errors.add(InvalidInput, "country", "Use an ISO 3166-1 alpha-2 country code, such as FR.")
    _bounded_int(errors, listing, "quantity", 1, MAX_QUANTITY)
    if kind is K.AUCTION and listing.quantity != 1:
        errors.add(InvalidInput, "quantity", "An auction offers exactly one item.")
    _bounded_int(errors, listing, "target_quantity", 2, MAX_TARGET_QUANTITY)
    _bounded_int(errors, listing, "min_days", 1, MAX_RENTAL_DAYS)
    _bounded_int(errors, listing, "max_days", 1, MAX_RENTAL_DAYS)
    if (
        listing.min_days is not None
        and listing.max_days is not None
        and listing.min_days > listing.max_days
    ):
        errors.add(InvalidInput, "min_days", "The minimum must not exceed the maximum.")
    _bounded_int(errors, listing, "duration_minutes", 1, MAX_SERVICE_MINUTES)
    carriers = listing.shipping_carriers or []
    if len(carriers) > MAX_CARRIERS or any(
        not isinstance(c, str) or not c.strip() or len(c) > MAX_CARRIER_LENGTH for c in carriers
    ):
        errors.add(
            InvalidInput,
            "shipping_carriers",
            f"Give at most {MAX_CARRIERS} carriers of 1 to {MAX_CARRIER_LENGTH} characters.",
        )
    if listing.visibility == Visibility.STOREFRONT and listing.partner_id is None:
        errors.add(InvalidInput, "visibility", "Only storefront members can list in a storefront.")
    errors.raise_if_any()

    # Category and attributes (typed errors from c2c_api.categories).
    if "category_slug" in changed or publishing:
        catalog.check_listing_category(listing.category_slug, kind.value)
    if changed & {"category_slug", "attributes"} or publishing:
        listing.attributes = catalog.taxonomy.validate_attributes(
            listing.category_slug, listing.attributes, partial=not publishing
        )

    if publishing:
        missing = [c for c in REQUIRED_TO_PUBLISH[kind] if getattr(listing, c) is None]
        if kind in NEEDS_CONDITION and listing.condition is None:
            missing.append("condition")
        if listing.country is None:
            missing.append("country")
        if kind in GOODS and not (listing.shipping_enabled or listing.meetup_enabled):
            missing.append("shipping_enabled")
        for column in missing:
            errors.add(ListingIncomplete, column)
        errors.raise_if_any()


# --- helpers ---------------------------------------------------------------------------------


def _snapshot(listing: Listing) -> dict[str, Any]:
    data = listing.model_dump(mode="json")
    return {k: v for k, v in data.items() if k not in _SNAPSHOT_SKIP}


def _apply_derived(listing: Listing) -> None:
    listing.sort_price = compute_sort_price(listing)
    if listing.latitude is not None and listing.longitude is not None:
        listing.public_latitude, listing.public_longitude = approximate_position(
            listing.latitude, listing.longitude
        )
    else:
        listing.public_latitude = listing.public_longitude = None


async def _record(
    session: AsyncSession,
    actor: Actor | None,
    listing: Listing,
    *,
    action: str,
    changed: Iterable[str] = (),
    extra: dict[str, Any] | None = None,
) -> None:
    """Write the revision of the listing's current version (the edit history)."""
    kind = ListingKind(listing.kind)
    snapshot = _snapshot(listing)
    if extra:
        snapshot.update(extra)
    session.add(
        ListingRevision(
            listing_id=listing.id,
            version=listing.version,
            action=action,
            actor_member_id=actor.member_id if actor is not None else None,
            actor_partner_id=(
                actor.partner_id if actor is not None and actor.kind == ActorKind.PARTNER else None
            ),
            snapshot=snapshot,
            changed_fields=sorted({field_name(kind, c) for c in changed}),
            created_at=utcnow(),
        )
    )
    await session.flush()


async def _load_for_update(
    session: AsyncSession, actor: Actor, listing_id: uuid.UUID, *, moderating: bool = False
) -> Listing:
    """The listing, row-locked for this transaction; NotFound when the caller may not see it."""
    listing = (
        await session.exec(
            select(Listing)
            .where(Listing.id == listing_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).first()
    if listing is None:
        raise NotFound()
    if moderating and authz.is_listing_moderator(actor, listing.partner_id):
        return listing  # a storefront's moderator restores what it removed
    if not can_see(actor, listing):
        raise NotFound()
    if moderating:
        raise Forbidden()
    return listing


def _check_version(listing: Listing, expected: int | None) -> None:
    if expected is not None and expected != listing.version:
        raise VersionConflict(
            fields=["expectedVersion"], context={"currentVersion": listing.version}
        )


def _ensure_owner(actor: Actor, listing: Listing) -> None:
    if not authz.is_listing_owner(actor, listing.seller_id) or "listings:write" not in actor.scopes:
        raise Forbidden()


async def _bump(
    session: AsyncSession,
    actor: Actor | None,
    listing: Listing,
    *,
    action: str,
    changed: Iterable[str] = (),
    extra: dict[str, Any] | None = None,
) -> Listing:
    listing.version += 1
    listing.updated_at = utcnow()
    session.add(listing)
    await session.flush()
    await _record(session, actor, listing, action=action, changed=changed, extra=extra)
    return listing


async def _notify_published(session: AsyncSession, listing: Listing) -> None:
    """Saved searches are matched by the search domain."""
    from c2c_api.search import service as search_service

    await search_service.on_listing_published(session, listing)


async def _attach_photos(
    session: AsyncSession, actor: Actor, listing: Listing, photo_ids: Sequence[uuid.UUID] | None
) -> None:
    if photo_ids is None:
        return
    from c2c_api.photos.service import attach_photos

    await attach_photos(session, actor, listing_id=listing.id, photo_ids=list(photo_ids))


async def _current_photo_ids(session: AsyncSession, listing_id: uuid.UUID) -> list[str]:
    """The listing's photo ids in display order (as recorded in revision snapshots)."""
    from c2c_api.photos.models import Photo

    rows = await session.exec(
        select(Photo.id)
        .where(Photo.listing_id == listing_id)
        .order_by(col(Photo.position), col(Photo.id))
    )
    return [str(photo_id) for photo_id in rows]


def _check_columns(kind: ListingKind, values: dict[str, Any]) -> None:
    allowed = set(COMMON_FIELDS) | set(KIND_FIELDS[kind])
    unknown = sorted(set(values) - allowed)
    if unknown:  # a transport bug, not user input
        raise ValueError(f"columns not settable for {kind}: {unknown}")
    # A time without a UTC offset is refused rather than guessed (stored values are aware).
    ends_at = values.get("ends_at")
    if isinstance(ends_at, datetime) and ends_at.utcoffset() is None:
        raise InvalidInput(
            "endsAt must carry a UTC offset (for example 2026-12-01T18:00:00Z).",
            fields=[field_name(kind, "ends_at")],
        )


# --- use cases -------------------------------------------------------------------------------


async def create_listing(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: ListingKind,
    values: dict[str, Any],
    photo_ids: Sequence[uuid.UUID] | None = None,
) -> Listing:
    """Create a draft listing of `kind` for the calling member (listings:write)."""
    member_id = authz.require_member(actor)
    if "listings:write" not in actor.scopes:
        raise Forbidden()
    _check_columns(kind, values)
    member = await session.get(Member, member_id)
    if member is None:
        raise NotFound()
    now = utcnow()
    listing = Listing(
        kind=kind,
        seller_id=member_id,
        partner_id=member.partner_id,
        title="",
        category_slug="",
        created_at=now,
        updated_at=now,
    )
    for column, value in values.items():
        setattr(listing, column, value)
    if listing.country is not None:
        listing.country = listing.country.upper()
    catalog = await get_taxonomy(session)
    _validate(listing, set(values) | {"category_slug"}, catalog, now=now, publishing=False)
    _apply_derived(listing)
    session.add(listing)
    await session.flush()
    await _attach_photos(session, actor, listing, photo_ids)
    changed_on_create = set(values)
    extra = None
    if photo_ids:
        changed_on_create.add("photos")
        extra = {"photos": await _current_photo_ids(session, listing.id)}
    await _record(session, actor, listing, action="created", changed=changed_on_create, extra=extra)
    return listing


async def update_listing(
    session: AsyncSession,
    actor: Actor,
    *,
    listing_id: uuid.UUID,
    expected_version: int | None,
    values: dict[str, Any],
    photo_ids: Sequence[uuid.UUID] | None = None,
) -> Listing:
    """Change some fields of the caller's listing (draft, published or paused)."""
    listing = await _load_for_update(session, actor, listing_id)
    _ensure_owner(actor, listing)
    _check_version(listing, expected_version)
    kind = ListingKind(listing.kind)
    if effective_status(listing) not in EDITABLE:
        raise ListingNotEditable(context={"status": effective_status(listing).value})
    _check_columns(kind, values)
    if "country" in values and values["country"] is not None:
        values = {**values, "country": str(values["country"]).upper()}
    before = _snapshot(listing)
    for column, value in values.items():
        setattr(listing, column, value)
    changed = {c for c in values if before.get(c) != _snapshot(listing).get(c)}
    if not changed and photo_ids is None:
        return listing
    catalog = await get_taxonomy(session)
    publishing = listing.status != ListingStatus.DRAFT
    _validate(listing, changed, catalog, now=utcnow(), publishing=publishing)
    _apply_derived(listing)
    if "ends_at" in changed and listing.status in ENDING_STATUSES and listing.ends_at:
        # A live auction or group buy ends at its (new) end time, as publish_listing set it.
        listing.expires_at = listing.ends_at
    extra = None
    if photo_ids is not None:
        # Photo changes are edits too: one revision (changed field "photos", the ordered ids).
        photos_before = await _current_photo_ids(session, listing.id)
        await _attach_photos(session, actor, listing, photo_ids)
        photos_after = await _current_photo_ids(session, listing.id)
        if photos_after != photos_before:
            changed.add("photos")
            extra = {"photos": photos_after}
    if changed:
        await _bump(session, actor, listing, action="updated", changed=changed, extra=extra)
    return listing


async def publish_listing(
    session: AsyncSession, actor: Actor, *, listing_id: uuid.UUID, expected_version: int | None
) -> Listing:
    """Publish a complete draft: it becomes visible and searchable."""
    listing = await _load_for_update(session, actor, listing_id)
    _ensure_owner(actor, listing)
    _check_version(listing, expected_version)
    if listing.status != ListingStatus.DRAFT:
        raise InvalidState("Only a draft can be published.", context={"status": listing.status})
    now = utcnow()
    catalog = await get_taxonomy(session)
    _validate(listing, set(), catalog, now=now, publishing=True)
    listing.status = ListingStatus.PUBLISHED
    listing.published_at = now
    listing.expires_at = listing.ends_at or now + LISTING_LIFETIME
    _apply_derived(listing)
    await _bump(session, actor, listing, action="published", changed=["status"])
    await record_event(
        session,
        topic="listing.published",
        payload={"listingId": str(listing.id), "kind": listing.kind.value},
        member_id=listing.seller_id,
        partner_id=listing.partner_id,
    )
    await _notify_published(session, listing)
    return listing


async def _transition(
    session: AsyncSession,
    actor: Actor,
    *,
    listing_id: uuid.UUID,
    expected_version: int | None,
    allowed_from: frozenset[ListingStatus],
    to: ListingStatus,
    action: str,
) -> Listing:
    listing = await _load_for_update(session, actor, listing_id)
    _ensure_owner(actor, listing)
    _check_version(listing, expected_version)
    current = effective_status(listing)
    if current not in allowed_from:
        if current not in EDITABLE:
            raise ListingNotEditable(context={"status": current.value})
        raise InvalidState(context={"status": current.value})
    listing.status = to
    if to == ListingStatus.CLOSED:
        listing.closed_at = utcnow()
    return await _bump(session, actor, listing, action=action, changed=["status"])


async def pause_listing(
    session: AsyncSession, actor: Actor, *, listing_id: uuid.UUID, expected_version: int | None
) -> Listing:
    """Hide a published listing for a while (its owner)."""
    return await _transition(
        session,
        actor,
        listing_id=listing_id,
        expected_version=expected_version,
        allowed_from=frozenset({ListingStatus.PUBLISHED}),
        to=ListingStatus.PAUSED,
        action="paused",
    )


async def resume_listing(
    session: AsyncSession, actor: Actor, *, listing_id: uuid.UUID, expected_version: int | None
) -> Listing:
    """Show a paused listing again (its owner); it keeps its end time."""
    return await _transition(
        session,
        actor,
        listing_id=listing_id,
        expected_version=expected_version,
        allowed_from=frozenset({ListingStatus.PAUSED}),
        to=ListingStatus.PUBLISHED,
        action="resumed",
    )


async def close_listing(
    session: AsyncSession, actor: Actor, *, listing_id: uuid.UUID, expected_version: int | None
) -> Listing:
    """End a listing for good (its owner): drafts, published and paused listings."""
    return await _transition(
        session,
        actor,
        listing_id=listing_id,
        expected_version=expected_version,
        allowed_from=EDITABLE,
        to=ListingStatus.CLOSED,
        action="closed",
    )


async def remove_listing(
    session: AsyncSession, actor: Actor, *, listing_id: uuid.UUID, reason: str
) -> Listing:
    """Take a listing down (operators with admin:moderation, its storefront's partner)."""
    listing = await _load_for_update(session, actor, listing_id, moderating=True)
    reason = reason.strip()
    if not 1 <= len(reason) <= 500:
        raise InvalidInput("Use 1 to 500 characters.", fields=["reason"])
    if listing.status == ListingStatus.REMOVED:
        raise InvalidState("This listing is already removed.")
    previous = listing.status
    listing.status = ListingStatus.REMOVED
    return await _bump(
        session,
        actor,
        listing,
        action="removed",
        changed=["status"],
        extra={
            "moderation_reason": reason,
            "status_before_removal": previous.value,
            "removed_by": "partner" if actor.kind == ActorKind.PARTNER else "operator",
        },
    )


async def restore_listing(session: AsyncSession, actor: Actor, *, listing_id: uuid.UUID) -> Listing:
    """Undo a removal: the listing returns to the status it had. Operators (admin:moderation)
    restore any removal; a storefront's partner (partner:catalog) only its own removals."""
    listing = await _load_for_update(session, actor, listing_id, moderating=True)
    if listing.status != ListingStatus.REMOVED:
        raise InvalidState("This listing is not removed.")
    removal = (
        await session.exec(
            select(ListingRevision).where(
                ListingRevision.listing_id == listing.id,
                ListingRevision.version == listing.version,
            )
        )
    ).first()
    snapshot = removal.snapshot if removal else {}
    # An operator's removal is undone only by operators; a storefront's own removal by the
    # storefront or operators. Older removals lack "removed_by": the revision's actor tells.
    removed_by = snapshot.get("removed_by") or (
        "partner" if removal is not None and removal.actor_partner_id is not None else "operator"
    )
    if removed_by == "operator" and not authz.is_listing_moderator(actor, None):
        raise Forbidden("Only operators can restore a listing that an operator removed.")
    before = snapshot.get("status_before_removal")
    listing.status = ListingStatus(before) if before else ListingStatus.PAUSED
    return await _bump(session, actor, listing, action="restored", changed=["status"])


async def expire_due_listings(session: AsyncSession, now: datetime, *, limit: int = 500) -> int:
    """Mark published and paused listings past their end as EXPIRED (`c2c-api listings
    expire` runs it); the number expired. Reads already treat them as expired (effective_status)."""
    due = (
        await session.exec(
            select(Listing)
            .where(
                col(Listing.status).in_([s.value for s in ENDING_STATUSES]),
                sa.or_(col(Listing.ends_at) <= now, col(Listing.expires_at) <= now),
            )
            .order_by(col(Listing.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for listing in due:
        listing.status = ListingStatus.EXPIRED
        listing.closed_at = now
        await _bump(session, None, listing, action="expired", changed=["status"])
    return len(due)
