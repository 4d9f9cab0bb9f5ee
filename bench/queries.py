"""The fixed mix of search queries, and the GraphQL document both sides answer.

Each query type has a few variants (French and English words, several categories, cities):
request i of a type uses variant i modulo their number, so both sides run exactly the same
searches in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PAGE_SIZE = 20

# What a search results page shows for each listing: the card, with seller, photos and
# favorite count (the relations the GraphQL page resolves through DataLoaders).
SEARCH_DOCUMENT = """
query Search($query: String, $filter: ListingFilter, $sort: ListingSort, $first: Int!,
             $after: String) {
  listings(query: $query, filter: $filter, sort: $sort, first: $first, after: $after) {
    edges {
      cursor
      node {
        id
        kind
        title
        condition
        displayPrice { amount currency formatted }
        category { slug name }
        location { city country approximatePosition { latitude longitude } }
        publishedAt
        endsAt
        seller { id displayName }
        photos { thumbUrl smallUrl }
        favoriteCount
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@dataclass(frozen=True)
class Variant:
    query: str | None = None
    filter: dict[str, Any] = field(default_factory=dict)
    sort: str | None = None

    def variables(self, after: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"first": PAGE_SIZE}
        if self.query is not None:
            out["query"] = self.query
        if self.filter:
            out["filter"] = self.filter
        if self.sort is not None:
            out["sort"] = self.sort
        if after is not None:
            out["after"] = after
        return out


@dataclass(frozen=True)
class QueryType:
    name: str
    description: str
    variants: tuple[Variant, ...]
    keyword_filter: bool = False  # counts towards the "keyword + filter" target
    second_page: bool = False  # run with `after` = the first page's endCursor


def _near(lat: float, lng: float) -> dict[str, Any]:
    return {"near": {"latitude": lat, "longitude": lng, "radiusKm": 20}}


KEYWORDS = (
    Variant("vélo électrique"),
    Variant("iphone"),
    Variant("canapé cuir"),
    Variant("leather jacket"),
    Variant("poussette"),
    Variant("winter tyres"),
    Variant("lego"),
    Variant("machine à café"),
)

QUERY_TYPES: tuple[QueryType, ...] = (
    QueryType("keyword", "words only, relevance", KEYWORDS),
    QueryType(
        "keyword+category",
        "words within a category (and its descendants), relevance",
        (
            Variant("baskets", {"category": "shoes"}),
            Variant("nike", {"category": "men-shoes"}),
            Variant("robe", {"category": "women-clothing"}),
            Variant("jacket", {"category": "men-coats-jackets"}),
            Variant("perceuse", {"category": "diy"}),
            Variant("samsung", {"category": "phones"}),
            Variant("table", {"category": "furniture"}),
            Variant("vinyl", {"category": "leisure"}),
        ),
        keyword_filter=True,
    ),
    QueryType(
        "keyword+price",
        "words with a price range, relevance",
        (
            Variant("iphone", {"currency": "EUR", "minPrice": 10000, "maxPrice": 40000}),
            Variant("vélo", {"currency": "EUR", "minPrice": 5000, "maxPrice": 30000}),
            Variant("sofa", {"currency": "GBP", "minPrice": 5000, "maxPrice": 50000}),
            Variant("console", {"currency": "EUR", "minPrice": 5000, "maxPrice": 25000}),
            Variant("manteau", {"currency": "CHF", "maxPrice": 8000}),
            Variant("drill", {"currency": "CAD", "minPrice": 2000}),
        ),
        keyword_filter=True,
    ),
    QueryType(
        "category-newest",
        "browse a category, newest first",
        (
            Variant(None, {"category": "electronics"}, "NEWEST"),
            Variant(None, {"category": "women-tops"}, "NEWEST"),
            Variant(None, {"category": "furniture"}, "NEWEST"),
            Variant(None, {"category": "bikes"}, "NEWEST"),
            Variant(None, {"category": "services"}, "NEWEST"),
            Variant(None, {"category": "books"}, "NEWEST"),
        ),
    ),
    QueryType(
        "category-price-asc",
        "a category, cheapest first",
        (
            Variant(None, {"category": "sofas-armchairs"}, "PRICE_ASC"),
            Variant(None, {"category": "laptops"}, "PRICE_ASC"),
            Variant(None, {"category": "city-bikes"}, "PRICE_ASC"),
            Variant(None, {"category": "smartphones"}, "PRICE_ASC"),
        ),
    ),
    QueryType(
        "near-20km",
        "within 20 km of a city, nearest first",
        (
            Variant(None, _near(45.7640, 4.8357), "NEAREST"),  # Lyon
            Variant(None, _near(48.8566, 2.3522), "NEAREST"),  # Paris
            Variant(None, _near(50.8503, 4.3517), "NEAREST"),  # Bruxelles
            Variant(None, _near(45.5019, -73.5674), "NEAREST"),  # Montréal
            Variant(None, _near(51.5072, -0.1276), "NEAREST"),  # London
            Variant(None, _near(46.2044, 6.1432), "NEAREST"),  # Genève
        ),
    ),
    QueryType(
        "attribute",
        "a category with an attribute filter, newest first",
        (
            Variant(None, {"category": "women-tops", "attributes": {"size": "m"}}, "NEWEST"),
            Variant(None, {"category": "city-bikes", "attributes": {"frame_size": "m"}}, "NEWEST"),
            Variant(None, {"category": "smartphones", "attributes": {"storage_gb": 128}}, "NEWEST"),
            Variant(None, {"category": "laptops", "attributes": {"ram_gb": 16}}, "NEWEST"),
        ),
    ),
    QueryType(
        "keyword-page2",
        "second page of a keyword search (the first page's endCursor)",
        KEYWORDS,
        second_page=True,
    ),
    QueryType(
        "keyword-typo",
        "misspelt or unaccented words (typo tolerance: pg_trgm on PostgreSQL; none on SQLite)",
        (
            Variant("playstaton"),
            Variant("poussete"),
            Variant("telvision"),
            Variant("canape cuir"),
            Variant("machne a cafe"),
        ),
    ),
)
