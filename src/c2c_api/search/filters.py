"""Search filters and sorts: parsed and validated once, as plain values (no SQL here).

A filter arrives as the GraphQL `ListingFilter` input, turned into a JSON-like dict with the
input's camelCase keys; saved searches store the same dict, canonicalised (`to_json`), so one
parser serves live searches and saved-search matching alike.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from c2c_api.categories.errors import UnknownCategory
from c2c_api.categories.taxonomy import ListingKind, Taxonomy
from c2c_api.errors import InvalidId, InvalidInput
from c2c_api.kit.money import CURRENCIES, MAX_AMOUNT
from c2c_api.listings.models import Condition
from c2c_api.search.errors import (
    CoordinatesOutOfRange,
    CurrencyRequired,
    SearchLimitExceeded,
    UnsupportedCurrency,
)

MAX_PAGE_SIZE = 50
DEFAULT_PAGE_SIZE = 20
MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 12
MAX_ATTRIBUTE_FILTERS = 20
MAX_RADIUS_KM = 500.0
DEFAULT_RADIUS_KM = 25.0
COUNT_CAP = 1000
"""totalCount stops counting here (totalCountIsCapped then says so)."""
FACET_LIMIT = 20_000
"""Facets are counted for searches matching at most this many listings (their cost grows with
the matches: a facet statement reads every matching row); beyond, SEARCH_LIMIT_EXCEEDED."""

# Words are runs of letters and digits (underscores and punctuation separate them).
_WORD = re.compile(r"[^\W_]+")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class Sort(StrEnum):
    RELEVANCE = "RELEVANCE"
    NEWEST = "NEWEST"
    PRICE_ASC = "PRICE_ASC"
    PRICE_DESC = "PRICE_DESC"
    ENDING_SOONEST = "ENDING_SOONEST"
    NEAREST = "NEAREST"


@dataclass(frozen=True)
class Near:
    latitude: float
    longitude: float
    radius_km: float


@dataclass(frozen=True)
class SearchFilter:
    """A validated filter; empty means every searchable MARKETPLACE listing."""

    kinds: tuple[ListingKind, ...] = ()
    category: str | None = None
    # The category and its descendants (filled by the parser from the taxonomy).
    category_slugs: tuple[str, ...] = ()
    currency: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    conditions: tuple[Condition, ...] = ()
    near: Near | None = None
    country: str | None = None
    storefront_id: uuid.UUID | None = None
    seller_id: uuid.UUID | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The canonical ListingFilter input (camelCase keys, global ids), for saved searches."""
        out: dict[str, Any] = {}
        if self.kinds:
            out["kinds"] = [k.value for k in self.kinds]
        if self.category:
            out["category"] = self.category
        if self.currency:
            out["currency"] = self.currency
        if self.min_price is not None:
            out["minPrice"] = self.min_price
        if self.max_price is not None:
            out["maxPrice"] = self.max_price
        if self.conditions:
            out["conditions"] = [c.value for c in self.conditions]
        if self.near:
            out["near"] = {
                "latitude": self.near.latitude,
                "longitude": self.near.longitude,
                "radiusKm": self.near.radius_km,
            }
        if self.country:
            out["country"] = self.country
        if self.storefront_id:
            out["storefront"] = global_id("Partner", self.storefront_id)
        if self.seller_id:
            out["seller"] = global_id("Member", self.seller_id)
        if self.attributes:
            out["attributes"] = dict(self.attributes)
        return out


# C0 and C1 control characters (PostgreSQL refuses NUL in text; none belongs in these inputs).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# In free text, tab, line feed and carriage return are ordinary white space.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_chars(value: object, *, text: bool = False) -> bool:
    """Whether a string, or any key or string inside a mapping or list, has control characters."""
    if isinstance(value, str):
        return (_CONTROL_IN_TEXT if text else _CONTROL).search(value) is not None
    if isinstance(value, Mapping):
        return any(has_control_chars(k) or has_control_chars(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_control_chars(v) for v in value)
    return False


def refuse_control_chars(value: object, field: str, *, text: bool = False) -> None:
    """InvalidInput naming `field` when `value` holds control characters."""
    if has_control_chars(value, text=text):
        raise InvalidInput("Remove the control characters from this value.", fields=[field])


def check_filter_text(raw: Mapping[str, Any]) -> None:
    """Refuse control characters anywhere in a filter, naming the first offending key."""
    for key, value in raw.items():
        if has_control_chars(key) or has_control_chars(value):
            name = key if isinstance(key, str) and not has_control_chars(key) else "?"
            raise InvalidInput(
                "Remove the control characters from this value.", fields=[f"filter.{name}"[:80]]
            )


def global_id(type_name: str, ident: uuid.UUID) -> str:
    """A Relay global id, as strawberry.relay spells it (base64 of "Type:uuid")."""
    return base64.b64encode(f"{type_name}:{ident}".encode()).decode()


def parse_global_id(value: object, type_name: str, *, field: str) -> uuid.UUID | None:
    """The UUID inside a global id of `type_name`, or None when it is not one."""
    if not isinstance(value, str) or len(value) > 200:
        return None
    try:
        raw = base64.b64decode(value, validate=True).decode()
        prefix, _, ident = raw.partition(":")
        if prefix != type_name:
            return None
        return uuid.UUID(ident)
    except (ValueError, UnicodeDecodeError):
        return None


def query_words(query: str | None) -> list[str]:
    """The words of a query string, lower-cased; refuses queries over the limits."""
    if query is None:
        return []
    refuse_control_chars(query, "query", text=True)
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchLimitExceeded(
            f"Use at most {MAX_QUERY_LENGTH} characters.",
            fields=["query"],
            context={"limit": MAX_QUERY_LENGTH},
        )
    words = [w.lower() for w in _WORD.findall(query)]
    return words[:MAX_QUERY_WORDS]


def check_page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise SearchLimitExceeded(
            f"Ask for 1 to {MAX_PAGE_SIZE} listings.",
            fields=["first"],
            context={"limit": MAX_PAGE_SIZE},
        )
    return first


def _enum_list(raw: object, enum: type[StrEnum], name: str) -> tuple[Any, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > 20:
        raise InvalidInput(fields=[f"filter.{name}"])
    try:
        return tuple(dict.fromkeys(enum(v) for v in raw))
    except ValueError as exc:
        raise InvalidInput(fields=[f"filter.{name}"]) from exc


def _amount(raw: object, name: str) -> int | None:
    if raw is None:
        return None
    if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= MAX_AMOUNT:
        raise SearchLimitExceeded(
            f"Use an amount from 0 to {MAX_AMOUNT} minor units.",
            fields=[f"filter.{name}"],
            context={"limit": MAX_AMOUNT},
        )
    return raw


def _near(raw: object) -> Near | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise InvalidInput(fields=["filter.near"])
    lat, lng = raw.get("latitude"), raw.get("longitude")
    radius = raw.get("radiusKm", DEFAULT_RADIUS_KM)
    bad = [
        f"filter.near.{name}"
        for name, value, limit in (("latitude", lat, 90.0), ("longitude", lng, 180.0))
        if not isinstance(value, int | float)
        or isinstance(value, bool)
        or value != value  # NaN
        or not -limit <= value <= limit
    ]
    if bad:
        raise CoordinatesOutOfRange(fields=bad)
    if (
        not isinstance(radius, int | float)
        or isinstance(radius, bool)
        or radius != radius
        or radius <= 0
    ):
        raise CoordinatesOutOfRange(fields=["filter.near.radiusKm"])
    if radius > MAX_RADIUS_KM:
        raise SearchLimitExceeded(
            f"Use a radius of at most {MAX_RADIUS_KM:g} km.",
            fields=["filter.near.radiusKm"],
            context={"limit": MAX_RADIUS_KM},
        )
    assert isinstance(lat, int | float) and isinstance(lng, int | float)
    return Near(float(lat), float(lng), float(radius))


def parse_filter(
    raw: Mapping[str, Any] | None,
    taxonomy: Taxonomy,
    *,
    storefront_id: uuid.UUID | None = None,
) -> SearchFilter:
    """A validated SearchFilter from a ListingFilter dict (typed errors name `filter.<key>`).

    `storefront` must already be resolved to `storefront_id` when it was given as a slug
    (service.resolve_filter does it); a Partner global id is decoded here.
    """
    raw = dict(raw or {})
    check_filter_text(raw)
    known = {
        "kinds",
        "category",
        "currency",
        "minPrice",
        "maxPrice",
        "conditions",
        "near",
        "country",
        "storefront",
        "seller",
        "attributes",
    }
    unknown = sorted(k for k in raw if k not in known)
    if unknown:
        raise InvalidInput(fields=[f"filter.{k}"[:80] for k in unknown])

    kinds = _enum_list(raw.get("kinds"), ListingKind, "kinds")
    conditions = _enum_list(raw.get("conditions"), Condition, "conditions")

    category = raw.get("category")
    slugs: tuple[str, ...] = ()
    if category is not None:
        if not isinstance(category, str) or not _SLUG.match(category) or category not in taxonomy:
            raise UnknownCategory(fields=["filter.category"], context={"slug": str(category)[:80]})
        slugs = tuple(taxonomy.descendant_slugs(category))

    currency = raw.get("currency")
    if currency is not None and currency not in CURRENCIES:
        raise UnsupportedCurrency(fields=["filter.currency"])
    min_price = _amount(raw.get("minPrice"), "minPrice")
    max_price = _amount(raw.get("maxPrice"), "maxPrice")
    if (min_price is not None or max_price is not None) and currency is None:
        raise CurrencyRequired(fields=["filter.currency"])
    if min_price is not None and max_price is not None and min_price > max_price:
        raise InvalidInput("The minimum price is above the maximum.", fields=["filter.minPrice"])

    country = raw.get("country")
    if country is not None and (not isinstance(country, str) or not _COUNTRY.match(country)):
        raise InvalidInput(
            "Use an ISO 3166-1 alpha-2 country code, such as FR.", fields=["filter.country"]
        )

    storefront = raw.get("storefront")
    if storefront is not None and storefront_id is None:
        storefront_id = parse_global_id(storefront, "Partner", field="filter.storefront")
        if storefront_id is None:
            raise InvalidInput("This storefront does not exist.", fields=["filter.storefront"])

    seller = raw.get("seller")
    seller_id = None
    if seller is not None:
        seller_id = parse_global_id(seller, "Member", field="filter.seller")
        if seller_id is None:
            raise InvalidId(fields=["filter.seller"], context={"expectedTypes": ["Member"]})

    attributes = raw.get("attributes") or {}
    if not isinstance(attributes, Mapping):
        raise InvalidInput(fields=["filter.attributes"])
    if attributes:
        if len(attributes) > MAX_ATTRIBUTE_FILTERS:
            raise SearchLimitExceeded(
                f"Use at most {MAX_ATTRIBUTE_FILTERS} attribute filters.",
                fields=["filter.attributes"],
                context={"limit": MAX_ATTRIBUTE_FILTERS},
            )
        if category is None:
            raise InvalidInput("Attribute filters need a category.", fields=["filter.attributes"])
        try:
            attributes = taxonomy.validate_attributes(category, attributes, partial=True)
        except InvalidInput as error:
            error.fields = [f"filter.{f}" for f in error.fields]
            raise

    return SearchFilter(
        kinds=kinds,
        category=category,
        category_slugs=slugs,
        currency=currency,
        min_price=min_price,
        max_price=max_price,
        conditions=conditions,
        near=_near(raw.get("near")),
        country=country,
        storefront_id=storefront_id,
        seller_id=seller_id,
        attributes=dict(attributes),
    )
