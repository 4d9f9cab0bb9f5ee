"""SQL of search: the one translation of a SearchFilter into WHERE clauses, on both databases.

Live searches, facets, counts and saved-search matching all build their statements from
`where_clauses`, so the filter semantics cannot drift between them.

Full text (objects created by migrations 0003, 0004 and 0008):
  PostgreSQL  listings.search_vector @@
              (to_tsquery('c2c_english', q) || to_tsquery('c2c_french', q)),
              the words as stemmed lexemes first; when that finds nothing, the last word as a
              prefix (search as you type); when that finds nothing either, OR q <% title
              (pg_trgm word similarity: typos). rank = 1 + ts_rank for word matches,
              word_similarity for typo-only ones.
  SQLite      listings.rowid IN (SELECT rowid FROM listings_fts WHERE listings_fts MATCH
              '"w1"* "w2"*'); rank = -bm25(listings_fts, 10, 3) (title weighs more). Every
              word is a prefix (FTS5 has no stemmer).

Relevance is ranked within freshness tiers (see `tier_clauses`): listings published in the
last three days first, ranked among themselves, then those of the rest of the week, then the
older ones. Ranking costs a read of every ranked row; the tiers bound that work for common
words (at 1M listings "iphone" matches 32,000, of which ~900 are in the first tier), and a
marketplace's best match is rarely a three-month-old listing. On PostgreSQL a tier is an index
condition: the GIN index ix_listings_search_tags holds, beside the words, one lexeme per
publication day (migration 0008; the oldest tier adds the filter's currency and country).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from c2c_api.authz import ListingPolicy
from c2c_api.kit.money import CURRENCIES
from c2c_api.listings.models import Listing, Visibility
from c2c_api.search.filters import Near, SearchFilter, Sort

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0

T = Listing.__table__.c  # type: ignore[attr-defined]
ROWID: sa.ColumnElement[int] = sa.literal_column("listings.rowid", sa.Integer())
SEARCH_VECTOR: sa.ColumnElement[Any] = sa.literal_column("listings.search_vector")

# Price buckets per currency, in major units: [0, b1), [b1, b2), …, [b_last, ∞).
# Chosen for second-hand goods (roughly the same purchasing power across currencies).
PRICE_BUCKETS_MAJOR: dict[str, tuple[int, ...]] = {
    **dict.fromkeys(("EUR", "USD", "GBP", "CHF", "CAD", "AUD"), (10, 25, 50, 100, 250, 500, 1000)),
    **dict.fromkeys(("PLN", "RON"), (50, 100, 250, 500, 1000, 2500, 5000)),
    **dict.fromkeys(("SEK", "NOK", "DKK"), (100, 250, 500, 1000, 2500, 5000, 10000)),
    "CZK": (250, 500, 1000, 2500, 5000, 10000, 25000),
    "HUF": (2500, 5000, 10000, 25000, 50000, 100000, 250000),
    "JPY": (1000, 2500, 5000, 10000, 25000, 50000, 100000),
}


def price_bounds(currency: str) -> tuple[int, ...]:
    """Bucket bounds of a currency in minor units."""
    scale = 10 ** CURRENCIES[currency]
    return tuple(b * scale for b in PRICE_BUCKETS_MAJOR[currency])


def bucket_range(currency: str, index: int) -> tuple[int, int | None]:
    """(min inclusive, max exclusive or None) of bucket `index`, in minor units."""
    bounds = (0, *price_bounds(currency))
    return bounds[index], bounds[index + 1] if index + 1 < len(bounds) else None


# Frequent French and English words that say nothing about an item. PostgreSQL's french and
# english configurations drop their own (longer) lists; SQLite's FTS5 has none.
FTS_STOP_WORDS = frozenset(
    [
        "a",
        "à",
        "au",
        "aux",
        "ce",
        "d",
        "de",
        "des",
        "du",
        "en",
        "et",
        "l",
        "la",
        "le",
        "les",
        "n",
        "ou",
        "par",
        "pour",
        "s",
        "sa",
        "se",
        "ses",
        "sur",
        "un",
        "une",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
    ]
)


@dataclass(frozen=True)
class TextQuery:
    """The words of a query, ready for either database."""

    words: tuple[str, ...]
    # PostgreSQL only: the last word is a prefix ("ipho" finds "iphone"). Live searches try the
    # words as they are first (service.search_listings): a stemmed prefix is broad ("robe" is
    # stemmed "rob", and "rob:*" also finds "robot") and its index scan reads many entries.
    prefix: bool = True
    # PostgreSQL only: also match titles within pg_trgm word similarity (typos). Used when the
    # words alone find nothing (service.search_listings), since it costs a trigram index scan.
    fuzzy: bool = False

    @property
    def mode(self) -> str:
        """exact, prefix or fuzzy: which attempt of a live search this is."""
        return "fuzzy" if self.fuzzy else "prefix" if self.prefix else "exact"

    @property
    def pg_tsquery(self) -> str:
        *head, last = self.words
        return " & ".join([*head, f"{last}:*" if self.prefix or self.fuzzy else last])

    @property
    def fts_match(self) -> str:
        """SQLite FTS5: every word a prefix, except stop words, left out (unless the query is
        nothing else) as PostgreSQL's configurations do: "machine à café" as a prefix "à"*
        matched every word starting with an a (measured 360 ms at 100k listings)."""
        words = [w for w in self.words if w not in FTS_STOP_WORDS] or list(self.words)
        return " ".join(f'"{w}"*' for w in words)

    @property
    def plain(self) -> str:
        return " ".join(self.words)


def _sql_string(value: str) -> ColumnElement[str]:
    """A string constant inlined in the SQL: PostgreSQL then folds to_tsquery(...) once per
    statement (a bound parameter is re-parsed for every row under a generic plan, measured 5x
    slower). Safe: query words are letters and digits only (filters.query_words)."""
    if not all(ch.isalnum() or ch in " &:*" for ch in value):
        raise ValueError("query words must be letters and digits")
    return sa.literal_column(f"'{value}'", sa.Text())


def _pg_tsquery(text: TextQuery) -> ColumnElement[Any]:
    q = _sql_string(text.pg_tsquery)
    english = sa.func.to_tsquery(sa.literal_column("'c2c_english'::regconfig"), q)
    french = sa.func.to_tsquery(sa.literal_column("'c2c_french'::regconfig"), q)
    return english.op("||")(french)


def text_match(dialect: str, text: TextQuery) -> ColumnElement[bool]:
    """Listings whose title or description match the words."""
    if dialect == "postgresql":
        fulltext = SEARCH_VECTOR.op("@@")(_pg_tsquery(text))
        if not text.fuzzy:
            return fulltext
        return sa.or_(fulltext, _sql_string(text.plain).op("<%")(T.title))
    fts = sa.text("SELECT rowid FROM listings_fts WHERE listings_fts MATCH :fts_match").bindparams(
        fts_match=text.fts_match
    )
    return ROWID.in_(fts)


def pg_rank(text: TextQuery) -> ColumnElement[float]:
    """Word matches first (1 + ts_rank, title weight A above description B), then typo-only
    matches by word similarity (at most 1). ts_rank, not ts_rank_cd: measured 4x cheaper on
    broad matches, and similarity is only computed for the rows the words did not match."""
    tsquery = _pg_tsquery(text)
    if not text.fuzzy:
        return sa.cast(1 + sa.func.ts_rank(SEARCH_VECTOR, tsquery), sa.Double())
    rank = sa.case(
        (SEARCH_VECTOR.op("@@")(tsquery), 1 + sa.func.ts_rank(SEARCH_VECTOR, tsquery)),
        else_=sa.func.word_similarity(_sql_string(text.plain), T.title),
    )
    return sa.cast(rank, sa.Double())


def sqlite_fts_ranked(text: TextQuery) -> sa.Subquery:
    """rowid and score (higher is better) of the matching listings, for a relevance join."""
    return (
        sa.text(
            "SELECT rowid AS fts_rowid, -bm25(listings_fts, 10.0, 3.0) AS score "
            "FROM listings_fts WHERE listings_fts MATCH :fts_match"
        )
        .bindparams(fts_match=text.fts_match)
        .columns(fts_rowid=sa.Integer, score=sa.Double)
        .subquery("fts")
    )


def distance_km(near: Near) -> ColumnElement[float]:
    """Great-circle (haversine) distance from the point to the listing's public position."""
    lat0 = math.radians(near.latitude)
    lat = sa.func.radians(T.public_latitude)
    half_dlat = sa.func.sin((lat - lat0) / 2)
    half_dlng = sa.func.sin(
        (sa.func.radians(T.public_longitude) - math.radians(near.longitude)) / 2
    )
    a = half_dlat * half_dlat + math.cos(lat0) * sa.func.cos(lat) * half_dlng * half_dlng
    return sa.cast(2 * EARTH_RADIUS_KM * sa.func.asin(sa.func.sqrt(a)), sa.Double())


def _sphere_literal(latitude: float, longitude: float) -> ColumnElement[Any]:
    """The point on the unit sphere as an inlined cube constant (c2c_sphere_point's value)."""
    lat, lng = math.radians(latitude), math.radians(longitude)
    x, y, z = math.cos(lat) * math.cos(lng), math.cos(lat) * math.sin(lng), math.sin(lat)
    return sa.literal_column(f"'({x!r}, {y!r}, {z!r})'::cube")


def _sphere_point() -> ColumnElement[Any]:
    return sa.func.c2c_sphere_point(T.public_latitude, T.public_longitude)


def pg_nearest_key(near: Near) -> ColumnElement[float]:
    """PostgreSQL: the chord distance on the unit sphere (cube `<->`), which orders exactly
    like the great-circle distance and is what the GiST index of migration 0005 orders by."""
    center = _sphere_literal(near.latitude, near.longitude)
    return sa.cast(_sphere_point().op("<->")(center), sa.Double())


def pg_nearest_bound(
    near: Near, key: ColumnElement[float], where: Sequence[ColumnElement[bool]], limit: int
) -> ColumnElement[bool]:
    """PostgreSQL nearest-first: only the rows up to the distance of the (limit + 1)-th row.

    The GiST index reads rows in distance order (KNN) only for `ORDER BY distance`, not for
    `ORDER BY distance, id`, and the id is needed: public positions are grid cells, so many
    listings share a distance. So a sub-select finds by KNN, among the rows the page may show
    (`where`, the cursor included), the distance of the (limit + 1)-th; the page then takes
    every row of the index box of that radius (every row within that distance is in it; the
    box's corners hold a few farther ones, which sort after) and sorts those few by
    (distance, id). Without such a row (fewer left), the circle's own radius is the bound.
    The sub-select appears once in the statement, so PostgreSQL runs it once.
    """
    nth = sa.select(key).where(*where).order_by(key).offset(limit).limit(1).scalar_subquery()
    chord = 2 * math.sin(min(near.radius_km / EARTH_RADIUS_KM, math.pi) / 2)
    radius = sa.func.coalesce(nth, sa.literal_column(repr(chord)))
    center = _sphere_literal(near.latitude, near.longitude)
    box = sa.func.cube_enlarge(center, radius, sa.literal_column("3"))
    return _sphere_point().op("<@")(box)


def _pg_within_box(near: Near) -> ColumnElement[bool]:
    """PostgreSQL: inside the cube around the circle (indexed; the exact distance follows)."""
    chord = 2 * math.sin(min(near.radius_km / EARTH_RADIUS_KM, math.pi) / 2)
    center = _sphere_literal(near.latitude, near.longitude)
    box = sa.func.cube_enlarge(center, sa.literal_column(repr(chord)), sa.literal_column("3"))
    return _sphere_point().op("<@")(box)


def _bounding_box(near: Near) -> ColumnElement[bool]:
    """A box around the circle, on the indexed public position (exact distance follows)."""
    dlat = near.radius_km / KM_PER_DEGREE
    clauses: list[ColumnElement[bool]] = [
        T.public_latitude.between(near.latitude - dlat, near.latitude + dlat),
    ]
    lat_r = math.radians(near.latitude)
    ratio = math.sin(near.radius_km / EARTH_RADIUS_KM) / max(math.cos(lat_r), 1e-12)
    if abs(near.latitude) + dlat < 90 and ratio < 1:
        dlng = math.degrees(math.asin(ratio))
        low, high = near.longitude - dlng, near.longitude + dlng
        if low < -180:
            clauses.append(sa.or_(T.public_longitude >= low + 360, T.public_longitude <= high))
        elif high > 180:
            clauses.append(sa.or_(T.public_longitude >= low, T.public_longitude <= high - 360))
        else:
            clauses.append(T.public_longitude.between(low, high))
    else:
        clauses.append(T.public_longitude.is_not(None))
    return sa.and_(*clauses)


# --- freshness tiers of the relevance sort ----------------------------------------------------

# Tier t < len(TIER_STARTS) holds the listings published from midnight UTC TIER_STARTS[t] days
# before the anchor day up to the start of tier t - 1 (tier 0: up to the end of the anchor
# day); the last tier holds everything older. (2, 7): the anchor day and the two days before
# it, then the rest of the week, then older.
TIER_STARTS = (2, 7)
TIERS = tuple(range(len(TIER_STARTS) + 1))
FRESH_DAYS = TIER_STARTS[-1]
# Day numbers of the day lexemes of c2c_search_tags ('d9823' is 2026-11-23): days since this date.
DAY_EPOCH = date(2000, 1, 1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def fresh_since(anchor: date) -> datetime:
    """Where the last (oldest) tier of a search anchored on `anchor` (a UTC day) ends:
    midnight UTC, FRESH_DAYS days before it."""
    return _midnight(anchor - timedelta(days=FRESH_DAYS))


def tier_days(anchor: date, tier: int) -> tuple[date, date] | None:
    """The first and last publication day (UTC) of a tier; None for the last one (older)."""
    if tier >= len(TIER_STARTS):
        return None
    last = anchor if tier == 0 else anchor - timedelta(days=TIER_STARTS[tier - 1] + 1)
    return anchor - timedelta(days=TIER_STARTS[tier]), last


def _tags_match(tsquery: str) -> ColumnElement[bool]:
    """c2c_search_tags (migration 0008: 'd<day>', 'c<currency>', 'n<country>' lexemes, the
    second column of ix_listings_search_tags) matching an inlined tsquery of such lexemes."""
    tags = sa.func.c2c_search_tags(T.published_at, T.currency, T.country)
    return tags.op("@@")(sa.literal_column(f"'{tsquery}'::tsquery"))


def filter_tags(f: SearchFilter) -> list[str]:
    """The filter's currency and country as c2c_search_tags lexemes (validated codes:
    letters only, so they can be inlined)."""
    tags = []
    if f.currency is not None and f.currency.isalpha():
        tags.append(f"c{f.currency}")
    if f.country is not None and f.country.isalpha():
        tags.append(f"n{f.country}")
    return tags


def tier_clauses(
    dialect: str, anchor: date, tier: int, f: SearchFilter
) -> list[ColumnElement[bool]]:
    """The publication days of one tier (TIER_STARTS); the last tier: before fresh_since.

    A search keeps its anchor day in its cursors, so its pages stay put when the day changes;
    listings published after the anchor day are not in any tier of that search.

    On PostgreSQL these are index conditions on ix_listings_search_tags: the days of a tier as
    lexemes; in the last tier, which holds every older match of the words, the filter's
    currency and country (`f`), so that a search in a small currency or country reads only its
    own rows. (In the fresh tiers, which hold few rows, they were measured to cost more in the
    index than they save in the table.) The plain conditions stay in the WHERE clause too.
    """
    days = tier_days(anchor, tier)
    if days is None:
        clauses = [T.published_at < fresh_since(anchor)]
        tags = filter_tags(f) if dialect == "postgresql" else []
        if tags:
            clauses.append(_tags_match(" & ".join(tags)))
        return clauses
    first, last = days
    if dialect == "postgresql":
        # The same days as lexemes (equivalent: one per UTC day of the tier), so that the GIN
        # index narrows to the tier's rows by itself. Not also as a range on published_at:
        # the planner would AND in a scan of every fresh listing's index entry.
        # An inlined constant: digits only.
        numbers = range((first - DAY_EPOCH).days, (last - DAY_EPOCH).days + 1)
        return [_tags_match(" | ".join(f"d{n}" for n in numbers))]
    return [
        T.published_at >= _midnight(first),
        T.published_at < _midnight(last + timedelta(days=1)),
    ]


def _as_is(column: ColumnElement[Any]) -> ColumnElement[Any]:
    return column


def _not_indexed(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The same value, as an expression no index is defined on (`x + 0`, `x || ''`)."""
    if isinstance(column.type, sa.Integer):
        return column + sa.literal_column("0")
    return column.op("||")(sa.literal_column("''"))


def searchable(now: datetime) -> list[ColumnElement[bool]]:
    """Live listings (authz.ListingPolicy.live_clauses): what search may ever show, to anyone."""
    return ListingPolicy.live_clauses(now)


def where_clauses(
    dialect: str,
    f: SearchFilter,
    text: TextQuery | None,
    now: datetime,
    *,
    skip: frozenset[str] = frozenset(),
    with_text: bool = True,
    text_driven: bool = False,
) -> list[ColumnElement[bool]]:
    """Every condition of a search; `skip` leaves out facet dimensions (kind, condition, price).

    `text_driven` (PostgreSQL relevance pages): the full-text index finds few rows (the fresh
    tier), and the category, price and country conditions are written so that no B-tree index
    can serve them. Otherwise the planner ANDs in a scan of, say, every published listing of a
    big category (190,000 index entries for 2,000 text matches, measured 60 ms against 10 ms
    for filtering those 2,000 rows): its cost model does not know that the rows are cached.
    """
    plain = _not_indexed if text_driven and dialect == "postgresql" else _as_is
    clauses = searchable(now)
    # Storefront listings only in searches scoped to their storefront.
    if f.storefront_id is not None:
        clauses.append(T.partner_id == f.storefront_id)
    else:
        clauses.append(T.visibility == Visibility.MARKETPLACE)
    if f.kinds and "kind" not in skip:
        clauses.append(T.kind.in_(list(f.kinds)))
    if f.category_slugs and "category" not in skip:
        clauses.append(plain(T.category_slug).in_(list(f.category_slugs)))
    if f.conditions and "condition" not in skip:
        clauses.append(T.condition.in_(list(f.conditions)))
    if f.currency is not None and "price" not in skip:
        clauses.append(T.currency == f.currency)
        if f.min_price is not None:
            clauses.append(plain(T.sort_price) >= f.min_price)
        if f.max_price is not None:
            clauses.append(plain(T.sort_price) <= f.max_price)
    if f.near is not None:
        if dialect == "postgresql":
            clauses.append(_pg_within_box(f.near))
        else:
            clauses.append(_bounding_box(f.near))
        clauses.append(distance_km(f.near) <= f.near.radius_km)
    if f.country is not None:
        clauses.append(plain(T.country) == f.country)
    if f.seller_id is not None:
        clauses.append(T.seller_id == f.seller_id)
    for key, value in sorted(f.attributes.items()):
        element = T.attributes[key]
        if isinstance(value, bool):
            clauses.append(element.as_boolean() == value)
        elif isinstance(value, int):
            clauses.append(element.as_integer() == value)
        else:
            clauses.append(element.as_string() == str(value))
    if text is not None and with_text:
        clauses.append(text_match(dialect, text))
    return clauses


@dataclass(frozen=True)
class SortSpec:
    """The key of a sort: an expression, its direction, and the columns that make it total."""

    sort: Sort
    key: ColumnElement[Any]
    descending: bool


def price_key() -> ColumnElement[int]:
    # Listings without a price (donations, free) sort as 0; an index on this expression exists.
    # A literal 0 (not a bound parameter): SQLite matches expression indexes textually.
    return sa.func.coalesce(T.sort_price, sa.literal_column("0"))


def keyset_after(spec: SortSpec, key_value: Any, last_id: uuid.UUID) -> ColumnElement[bool]:
    """Rows strictly after (key_value, last_id) in the sort's order."""
    key_literal = sa.literal(key_value, type_=spec.key.type)
    id_literal = sa.literal(last_id, type_=T.id.type)
    if spec.descending:
        return sa.tuple_(spec.key, T.id) < sa.tuple_(key_literal, id_literal)
    return sa.tuple_(spec.key, T.id) > sa.tuple_(key_literal, id_literal)


def order_by(spec: SortSpec) -> list[ColumnElement[Any]]:
    if spec.descending:
        return [spec.key.desc(), T.id.desc()]
    return [spec.key.asc(), T.id.asc()]


def category_counts_select(where: Sequence[ColumnElement[bool]]) -> Any:
    return (
        sa.select(
            sa.literal("category").label("facet"),
            T.category_slug.label("value"),
            sa.literal(None, sa.String).label("currency"),
            sa.func.count().label("n"),
        )
        .where(*where)
        .group_by(T.category_slug)
    )


def _group_select(
    facet: str, column: ColumnElement[Any], where: Sequence[ColumnElement[bool]]
) -> Any:
    return (
        sa.select(
            sa.literal(facet).label("facet"),
            sa.cast(column, sa.String).label("value"),
            sa.literal(None, sa.String).label("currency"),
            sa.func.count().label("n"),
        )
        .where(*where)
        .group_by(column)
    )


def price_bucket_expr() -> ColumnElement[str]:
    """The bucket index ('0'…'7') of a listing's price in its currency's buckets."""
    whens = []
    for currency in PRICE_BUCKETS_MAJOR:
        bounds = price_bounds(currency)
        inner = sa.case(
            *[
                (T.sort_price < sa.literal_column(str(bound)), sa.literal_column(f"'{i}'"))
                for i, bound in enumerate(bounds)
            ],
            else_=sa.literal_column(f"'{len(bounds)}'"),
        )
        whens.append((T.currency == sa.literal_column(f"'{currency}'"), inner))
    return sa.case(*whens, else_=sa.null())


def _facet_conditions(f: SearchFilter) -> dict[str, ColumnElement[bool]]:
    """The kind, condition and price conditions of a filter, each TRUE when not filtered."""
    true: ColumnElement[bool] = sa.true()
    price = [T.currency == f.currency] if f.currency is not None else []
    if f.currency is not None and f.min_price is not None:
        price.append(T.sort_price >= f.min_price)
    if f.currency is not None and f.max_price is not None:
        price.append(T.sort_price <= f.max_price)
    return {
        "kind": T.kind.in_(list(f.kinds)) if f.kinds else true,
        "condition": T.condition.in_(list(f.conditions)) if f.conditions else true,
        "price": sa.and_(*price) if price else true,
    }


def pg_facets_select(f: SearchFilter, text: TextQuery | None, now: datetime) -> sa.Select[Any]:
    """PostgreSQL: the facets of facets_select in one pass over the matches (GROUPING SETS).

    The rows read are those matching every condition but kind, condition and price; each facet
    counts with FILTER the rows its own rule keeps (every filter but its own; categories all
    of them). Measured ~4x cheaper than four grouped selects over the same matches.
    """
    ok = _facet_conditions(f)
    where = where_clauses(
        "postgresql", f, text, now, skip=frozenset(("kind", "condition", "price"))
    )
    bucket = sa.case((T.sort_price.is_(None), sa.null()), else_=price_bucket_expr())
    rows = (
        sa.select(
            T.kind.label("kind"),
            T.condition.label("condition"),
            T.category_slug.label("category"),
            T.currency.label("currency"),
            bucket.label("bucket"),
            ok["kind"].label("kind_ok"),
            ok["condition"].label("condition_ok"),
            ok["price"].label("price_ok"),
        )
        .where(*where)
        .subquery("matches")
    )
    c = rows.c
    grouping = {name: sa.func.grouping(c[name]) == 0 for name in ("kind", "condition", "category")}
    facet = sa.case(
        (grouping["kind"], sa.literal("kind")),
        (grouping["condition"], sa.literal("condition")),
        (grouping["category"], sa.literal("category")),
        else_=sa.literal("price"),
    )
    value = sa.case(
        (grouping["kind"], sa.cast(c.kind, sa.String)),
        (grouping["condition"], sa.cast(c.condition, sa.String)),
        (grouping["category"], c.category),
        else_=c.bucket,
    )
    n = sa.case(
        (grouping["kind"], sa.func.count().filter(sa.and_(c.condition_ok, c.price_ok))),
        (grouping["condition"], sa.func.count().filter(sa.and_(c.kind_ok, c.price_ok))),
        (
            grouping["category"],
            sa.func.count().filter(sa.and_(c.kind_ok, c.condition_ok, c.price_ok)),
        ),
        else_=sa.func.count().filter(sa.and_(c.kind_ok, c.condition_ok)),
    )
    sets = sa.func.grouping_sets(
        sa.tuple_(c.kind),
        sa.tuple_(c.condition),
        sa.tuple_(c.category),
        sa.tuple_(c.currency, c.bucket),
    )
    currency = sa.case((facet == "price", c.currency), else_=sa.null())
    return sa.select(
        facet.label("facet"), value.label("value"), currency.label("currency"), n.label("n")
    ).group_by(sets)


def facets_select(
    dialect: str, f: SearchFilter, text: TextQuery | None, now: datetime
) -> sa.Select[Any] | sa.CompoundSelect[Any]:
    """One statement: counts per kind, condition, category and price bucket.

    Kind, condition and price counts ignore their own filter (multi-select: the counts say what
    choosing another value would give); categories use every filter, and are rolled up in
    Python to the level shown. Rows may have a count of 0 (PostgreSQL): skip them.
    """
    if dialect == "postgresql":
        return pg_facets_select(f, text, now)

    def where(*skip: str) -> list[ColumnElement[bool]]:
        return where_clauses(dialect, f, text, now, skip=frozenset(skip))

    kind = _group_select("kind", T.kind, where("kind"))
    condition = _group_select("condition", T.condition, where("condition"))
    category = category_counts_select(where())
    bucket = price_bucket_expr().label("bucket")
    priced = (
        sa.select(T.currency.label("currency"), bucket)
        .where(*where("price"), T.sort_price.is_not(None))
        .subquery("priced")
    )
    price = sa.select(
        sa.literal("price").label("facet"),
        priced.c.bucket.label("value"),
        priced.c.currency.label("currency"),
        sa.func.count().label("n"),
    ).group_by(priced.c.currency, priced.c.bucket)
    return sa.union_all(kind, condition, category, price)
