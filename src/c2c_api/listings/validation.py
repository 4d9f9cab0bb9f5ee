"""What a listing may hold: limits, the fields of each kind, validation, derived columns.

Validation checks the listing as it would become and raises typed errors naming the input
fields at fault (camelCase paths such as `auction.endsAt`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from c2c_api.categories.service import Catalog
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.errors import DomainError, InvalidInput
from c2c_api.kit.countries import is_country_code
from c2c_api.kit.money import MAX_AMOUNT, is_currency
from c2c_api.kit.text import has_control_characters
from c2c_api.listings.errors import (
    CoordinatesOutOfRange,
    EndTimeInPast,
    EndTimeTooFar,
    InvalidPrice,
    ListingIncomplete,
    UnsupportedCurrency,
)
from c2c_api.listings.models import Listing, ListingStatus, Visibility

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
SNAPSHOT_SKIP = frozenset({"public_latitude", "public_longitude"})


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
    elif has_control_characters(value, allow_line_breaks=True):
        errors.add(InvalidInput, column, "Remove the control characters.")


def _bounded_int(errors: _Errors, listing: Listing, column: str, low: int, high: int) -> None:
    value = getattr(listing, column)
    if value is not None and not low <= value <= high:
        errors.add(InvalidInput, column, f"Use a whole number from {low} to {high}.")


def validate_listing(
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
    taken = (listing.reserved_quantity or 0) + (listing.sold_quantity or 0)
    if taken and listing.quantity is not None and listing.quantity < taken:
        errors.add(
            InvalidInput,
            "quantity",
            f"{taken} units are already reserved or sold: keep at least that many.",
        )
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


def snapshot_of(listing: Listing) -> dict[str, Any]:
    """The listing's columns as recorded in a revision (JSON values, derived ones left out)."""
    data = listing.model_dump(mode="json")
    return {k: v for k, v in data.items() if k not in SNAPSHOT_SKIP}


def apply_derived(listing: Listing) -> None:
    """Recompute the derived columns: the sort price and the public (approximate) position."""
    listing.sort_price = compute_sort_price(listing)
    if listing.latitude is not None and listing.longitude is not None:
        listing.public_latitude, listing.public_longitude = approximate_position(
            listing.latitude, listing.longitude
        )
    else:
        listing.public_latitude = listing.public_longitude = None


# The sub-input holding each kind's details (camelCase); a donation has none.
KIND_INPUTS: dict[ListingKind, str] = {
    kind: next(iter(paths.values())).split(".")[0] for kind, paths in KIND_FIELDS.items() if paths
}
# Columns a listing always has: an edit may change them, never clear them.
NOT_CLEARABLE = ("title", "category_slug", "quantity", "currency")
# Columns whose explicit null means their default.
CLEARED_TO: dict[str, Any] = {"description": "", "visibility": Visibility.MARKETPLACE}


def check_columns(
    kind: ListingKind,
    values: Mapping[str, Any],
    details: Mapping[ListingKind, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The column values of a create or update command, checked against the listing's kind.

    `values` holds common columns (and may hold the kind's own columns); `details` the columns
    given in each kind's sub-input. Another kind's details, a column the kind does not have, or
    a null for a column that cannot be cleared is INVALID_INPUT naming the input field; an end
    time must carry a UTC offset.
    """
    for other in details or {}:
        if other is not kind:  # even an empty sub-input of another kind is a mistake
            name = KIND_INPUTS.get(other, other.value.lower())
            raise InvalidInput(f"A {kind.value} listing has no `{name}` details.", fields=[name])
    merged = dict(values)
    for columns in (details or {}).values():
        merged.update(columns)
    allowed = set(COMMON_FIELDS) | set(KIND_FIELDS[kind])
    unknown = sorted(set(merged) - allowed)
    if unknown:
        raise InvalidInput(
            f"A {kind.value} listing has no such field.",
            fields=[field_name(kind, c) for c in unknown],
        )
    cleared = [c for c in NOT_CLEARABLE if c in merged and merged[c] is None]
    if cleared:
        raise InvalidInput(
            "This field cannot be cleared.", fields=[field_name(kind, c) for c in cleared]
        )
    for column, default in CLEARED_TO.items():
        if column in merged and merged[column] is None:
            merged[column] = default
    # A time without a UTC offset is refused rather than guessed (stored values are aware).
    ends_at = merged.get("ends_at")
    if isinstance(ends_at, datetime) and ends_at.utcoffset() is None:
        raise InvalidInput(
            "endsAt must carry a UTC offset (for example 2026-12-01T18:00:00Z).",
            fields=[field_name(kind, "ends_at")],
        )
    if merged.get("country") is not None:
        merged["country"] = str(merged["country"]).upper()
    return merged
