"""Search use cases: listing search with facets, saved searches, matching new listings.

Statements per search: one for the page (a relevance page that runs out of fresh listings reads
the next freshness tier with one more, up to three; a PostgreSQL search whose words find nothing
retries with the last word as a prefix, then with typo tolerance, one statement each); facets
(one statement) and totalCount (one statement) only when asked for. Keyset pagination only
(never OFFSET): a cursor carries the sort key and the id of the last row, so rows inserted
meanwhile never shift a page.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api import authz
from c2c_api.authz import Actor
from c2c_api.categories.service import get_taxonomy
from c2c_api.categories.taxonomy import Taxonomy
from c2c_api.errors import DomainError, InvalidInput, NotFound
from c2c_api.events.service import record_event
from c2c_api.kit.clock import utcnow
from c2c_api.kit.keyset import keyset_page
from c2c_api.listings.models import Listing
from c2c_api.partners.models import Partner
from c2c_api.search import cursors, queries
from c2c_api.search.errors import InvalidCursor, SearchLimitExceeded
from c2c_api.search.filters import (
    COUNT_CAP,
    DEFAULT_PAGE_SIZE,
    FACET_LIMIT,
    SearchFilter,
    Sort,
    check_filter_text,
    check_page_size,
    parse_filter,
    parse_global_id,
    query_words,
    refuse_control_chars,
)
from c2c_api.search.models import SavedSearch
from c2c_api.search.queries import SortSpec, T, TextQuery

log = logging.getLogger(__name__)

MATCH_TOPIC = "saved_search.matched"
# A bounded step of matching one published listing against saved searches (run_match_job).
MATCH_JOB_TOPIC = "saved_search.match"
MAX_SAVED_SEARCHES = 50
MATCH_BATCH = 100


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def _taxonomy(session: AsyncSession) -> Taxonomy:
    return (await get_taxonomy(session)).taxonomy


async def resolve_filter(
    session: AsyncSession, raw: Mapping[str, Any] | None, *, taxonomy: Taxonomy | None = None
) -> SearchFilter:
    """A validated filter; a storefront given by slug is looked up (one statement)."""
    raw = dict(raw or {})
    check_filter_text(raw)  # before any statement: PostgreSQL refuses NUL in text
    storefront_id: uuid.UUID | None = None
    storefront = raw.get("storefront")
    if storefront is not None:
        storefront_id = parse_global_id(storefront, "Partner", field="filter.storefront")
        if storefront_id is None:
            partner = None
            if isinstance(storefront, str) and len(storefront) <= 63:
                partner = (
                    await session.exec(select(Partner).where(Partner.slug == storefront.lower()))
                ).first()
            if partner is None:
                raise InvalidInput("This storefront does not exist.", fields=["filter.storefront"])
            storefront_id = partner.id
    if taxonomy is None:
        taxonomy = await _taxonomy(session)
    return parse_filter(raw, taxonomy, storefront_id=storefront_id)


# --- search ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedSearch:
    """A validated search: what facets and counts are computed for."""

    dialect: str
    filter: SearchFilter
    text: TextQuery | None
    sort: Sort
    now: datetime
    taxonomy: Taxonomy
    # The UTC day the relevance tiers are counted from (queries.tier_clauses); cursors keep it.
    anchor: date


@dataclass
class SearchResult:
    listings: list[Listing]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    prepared: PreparedSearch


def _effective_sort(sort: Sort | str | None, text: TextQuery | None, f: SearchFilter) -> Sort:
    if sort is not None:
        try:
            sort = Sort(sort)
        except ValueError as exc:
            raise InvalidInput(fields=["sort"]) from exc
    if sort is None or (sort == Sort.RELEVANCE and text is None):
        return Sort.RELEVANCE if text is not None else Sort.NEWEST
    if sort == Sort.NEAREST and f.near is None:
        raise InvalidInput("Sorting by distance needs a point (filter.near).", fields=["sort"])
    return sort


def _sort_spec(prepared: PreparedSearch) -> SortSpec:
    s = prepared.sort
    if s == Sort.NEWEST:
        return SortSpec(s, T.published_at, descending=True)
    if s == Sort.PRICE_ASC:
        return SortSpec(s, queries.price_key(), descending=False)
    if s == Sort.PRICE_DESC:
        return SortSpec(s, queries.price_key(), descending=True)
    if s == Sort.ENDING_SOONEST:
        return SortSpec(s, T.ends_at, descending=False)
    if s == Sort.NEAREST:
        near = prepared.filter.near
        assert near is not None
        if prepared.dialect == "postgresql":
            return SortSpec(s, queries.pg_nearest_key(near), descending=False)
        return SortSpec(s, queries.distance_km(near), descending=False)
    assert prepared.text is not None
    if prepared.dialect == "postgresql":
        return SortSpec(s, queries.pg_rank(prepared.text), descending=True)
    # SQLite: the key comes from the FTS join (see _page_statement).
    return SortSpec(s, sa.literal_column("fts.score", sa.Double()), descending=True)


def _cursor_scope(prepared: PreparedSearch) -> str:
    near = prepared.filter.near
    return cursors.fingerprint(
        prepared.sort.value,
        prepared.text.mode if prepared.text else None,
        list(prepared.text.words) if prepared.sort == Sort.RELEVANCE and prepared.text else None,
        [near.latitude, near.longitude] if prepared.sort == Sort.NEAREST and near else None,
    )


def _key_to_json(sort: Sort, value: Any) -> Any:
    if sort == Sort.RELEVANCE:
        anchor, tier, rank = value
        return [anchor.isoformat(), tier, float(rank)]
    if sort in (Sort.NEWEST, Sort.ENDING_SOONEST):
        assert isinstance(value, datetime)
        return value.isoformat()
    if sort in (Sort.PRICE_ASC, Sort.PRICE_DESC):
        return int(value)
    return float(value)


def _key_from_json(sort: Sort, value: Any) -> Any:
    """The key value a cursor carries, type-checked (a valid signature is not enough)."""
    if sort == Sort.RELEVANCE:
        anchor, tier, rank = value
        if not isinstance(anchor, str) or tier not in queries.TIERS or isinstance(tier, bool):
            raise ValueError("bad relevance position")
        return date.fromisoformat(anchor), tier, _number(rank)
    if sort in (Sort.NEWEST, Sort.ENDING_SOONEST):
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
        if parsed is None or parsed.tzinfo is None:
            raise ValueError("bad timestamp")
        return parsed
    if sort in (Sort.PRICE_ASC, Sort.PRICE_DESC):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("bad price")
        return value
    return _number(value)


def _number(value: Any) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError("bad number")
    return float(value)


def _decode_after(
    prepared: PreparedSearch, secret: str, after: str
) -> tuple[PreparedSearch, tuple[Any, uuid.UUID]]:
    """The position a cursor points at, and the search it belongs to: which attempt (exact
    words, prefix, typo-tolerant) issued it, and for relevance the anchor day of its tiers."""
    attempt: PreparedSearch | None = prepared
    while True:
        assert attempt is not None
        try:
            values = cursors.decode(secret, _cursor_scope(attempt), after)
            break
        except InvalidCursor:
            attempt = _retry(attempt)
            if attempt is None:
                raise
    prepared = attempt
    try:
        raw_key, raw_id = values
        key = _key_from_json(prepared.sort, raw_key)
        if prepared.sort == Sort.RELEVANCE:
            prepared = replace(prepared, anchor=key[0])
        return prepared, (key, uuid.UUID(str(raw_id)))
    except (ValueError, TypeError) as exc:
        raise InvalidCursor(fields=["after"]) from exc


def _page_statement(
    prepared: PreparedSearch,
    spec: SortSpec,
    after: tuple[Any, uuid.UUID] | None,
    limit: int,
    *,
    tier: int = 0,
) -> sa.Select[Any]:
    """One statement of a page; for relevance, of one freshness tier (`after` is then the
    (rank, id) of the last row within that tier)."""
    f, text = prepared.filter, prepared.text
    sqlite_relevance = prepared.sort == Sort.RELEVANCE and prepared.dialect == "sqlite"
    where = queries.where_clauses(
        prepared.dialect,
        f,
        text,
        prepared.now,
        with_text=not sqlite_relevance,
        text_driven=prepared.sort == Sort.RELEVANCE,
    )
    stmt = sa.select(Listing, spec.key.label("sort_key"))
    if sqlite_relevance:
        assert text is not None
        fts = queries.sqlite_fts_ranked(text)
        stmt = stmt.select_from(Listing).join(fts, fts.c.fts_rowid == queries.ROWID)
    if prepared.sort == Sort.ENDING_SOONEST:
        where.append(T.ends_at.is_not(None))
    if prepared.sort == Sort.RELEVANCE:
        where.extend(queries.tier_clauses(prepared.dialect, prepared.anchor, tier, f))
    if after is not None:
        where.append(queries.keyset_after(spec, after[0], after[1]))
    if prepared.sort == Sort.NEAREST and prepared.dialect == "postgresql":
        assert f.near is not None
        where.append(queries.pg_nearest_bound(f.near, spec.key, where, limit))
    return stmt.where(*where).order_by(*queries.order_by(spec)).limit(limit + 1)


def _retry(prepared: PreparedSearch) -> PreparedSearch | None:
    """The next, broader attempt of a PostgreSQL search whose words found nothing: the last
    word as a prefix, then typo tolerance; None when there is none."""
    text = prepared.text
    if prepared.dialect != "postgresql" or text is None or text.fuzzy:
        return None
    if not text.prefix:
        return replace(prepared, text=replace(text, prefix=True))
    return _fuzzy(prepared)


def _fuzzy(prepared: PreparedSearch) -> PreparedSearch:
    assert prepared.text is not None
    return replace(prepared, text=replace(prepared.text, prefix=True, fuzzy=True))


async def _page(
    session: AsyncSession,
    prepared: PreparedSearch,
    position: tuple[Any, uuid.UUID] | None,
    first: int,
) -> list[tuple[Listing, Any]]:
    """Up to first + 1 rows (listing, sort key) after `position`.

    Relevance reads the freshest tier, then the next ones only while the page is not full; its
    key is (anchor day, tier, rank)."""
    spec = _sort_spec(prepared)
    if prepared.sort != Sort.RELEVANCE:
        statement = _page_statement(prepared, spec, position, first)
        result = await session.exec(statement)  # type: ignore[call-overload]
        return [(r[0], r[1]) for r in result.all()]
    rows: list[tuple[Listing, Any]] = []
    start = position[0][1] if position is not None else 0
    for tier in queries.TIERS[start:]:
        after = (position[0][2], position[1]) if position is not None and tier == start else None
        statement = _page_statement(prepared, spec, after, first - len(rows), tier=tier)
        result = await session.exec(statement)  # type: ignore[call-overload]
        rows.extend((r[0], (prepared.anchor, tier, r[1])) for r in result.all())
        if len(rows) > first:
            break
    return rows


async def prepare_search(
    session: AsyncSession,
    *,
    query: str | None,
    filter: Mapping[str, Any] | None,
    sort: Sort | str | None,
    taxonomy: Taxonomy | None = None,
) -> PreparedSearch:
    """Validate a search: typed errors for every bad input, before any listing is read."""
    words = query_words(query)
    dialect = _dialect(session)
    # PostgreSQL tries the words as they are first (see _retry); SQLite's words are prefixes.
    text = TextQuery(tuple(words), prefix=dialect != "postgresql") if words else None
    if taxonomy is None:
        taxonomy = await _taxonomy(session)
    f = await resolve_filter(session, filter, taxonomy=taxonomy)
    now = utcnow()
    return PreparedSearch(
        dialect=dialect,
        filter=f,
        text=text,
        sort=_effective_sort(sort, text, f),
        now=now,
        taxonomy=taxonomy,
        anchor=now.date(),
    )


async def search_listings(
    session: AsyncSession,
    actor: Actor,
    *,
    query: str | None = None,
    filter: Mapping[str, Any] | None = None,
    sort: Sort | str | None = None,
    first: int = DEFAULT_PAGE_SIZE,
    after: str | None = None,
    secret: str,
    taxonomy: Taxonomy | None = None,
) -> SearchResult:
    """One page of searchable listings (anonymous callers allowed: search shows public data).

    `taxonomy`: the category tree when the caller already has it (GraphQL: the request's).
    """
    check_page_size(first)
    prepared = await prepare_search(
        session, query=query, filter=filter, sort=sort, taxonomy=taxonomy
    )
    position = None
    if after is not None:
        prepared, position = _decode_after(prepared, secret, after)
    rows = await _page(session, prepared, position, first)
    while not rows and after is None:
        # The words found nothing: the last word as a prefix, then typo tolerance (PostgreSQL).
        retry = _retry(prepared)
        if retry is None:
            break
        prepared = retry
        rows = await _page(session, prepared, None, first)
    has_next = len(rows) > first
    rows = rows[:first]
    scope = _cursor_scope(prepared)
    listings: list[Listing] = [r[0] for r in rows]
    issued = [
        cursors.encode(secret, scope, [_key_to_json(prepared.sort, r[1]), str(r[0].id)])
        for r in rows
    ]
    return SearchResult(
        listings=listings,
        cursors=issued,
        has_next=has_next,
        has_previous=after is not None,
        prepared=prepared,
    )


async def count_listings(
    session: AsyncSession, prepared: PreparedSearch, *, cap: int = COUNT_CAP
) -> tuple[int, bool]:
    """(count, capped): the number of matches, counted up to cap + 1 (one statement)."""
    where = queries.where_clauses(prepared.dialect, prepared.filter, prepared.text, prepared.now)
    if prepared.sort == Sort.ENDING_SOONEST:
        where.append(T.ends_at.is_not(None))
    inner = sa.select(T.id).where(*where).limit(cap + 1).subquery()
    count = (await session.exec(sa.select(sa.func.count()).select_from(inner))).one()  # type: ignore[call-overload]
    n = int(count[0] if isinstance(count, tuple | sa.Row) else count)
    return min(n, cap), n > cap


@dataclass(frozen=True)
class ValueCount:
    value: str
    count: int


@dataclass(frozen=True)
class CategoryCount:
    slug: str
    count: int


@dataclass(frozen=True)
class PriceBucketCount:
    currency: str
    min: int
    max: int | None
    count: int


@dataclass
class Facets:
    kinds: list[ValueCount] = field(default_factory=list)
    conditions: list[ValueCount] = field(default_factory=list)
    categories: list[CategoryCount] = field(default_factory=list)
    price_buckets: list[PriceBucketCount] = field(default_factory=list)


def _roll_up(taxonomy: Taxonomy, counts: dict[str, int], parent: str | None) -> list[CategoryCount]:
    """Counts of leaf categories summed into the roots, or the children of `parent`."""
    level = 0 if parent is None else len(taxonomy.path(parent))
    totals: dict[str, int] = {}
    for slug, n in counts.items():
        if slug not in taxonomy:
            continue
        path = taxonomy.path(slug)
        if len(path) <= level:
            continue  # a listing in the filtered category itself (not in a child)
        totals[path[level].slug] = totals.get(path[level].slug, 0) + n
    nodes = taxonomy.roots() if parent is None else taxonomy.children(parent)
    return [CategoryCount(n.slug, totals[n.slug]) for n in nodes if totals.get(n.slug)]


async def listing_facets(session: AsyncSession, prepared: PreparedSearch) -> Facets:
    """Facet counts for a search (two statements: a capped count, then the facets); see
    queries.facets_select for the rules. A search matching more than FACET_LIMIT listings is
    refused (SEARCH_LIMIT_EXCEEDED on `facets`): its facets would read every match."""
    _, too_broad = await count_listings(session, prepared, cap=FACET_LIMIT)
    if too_broad:
        raise SearchLimitExceeded(
            f"Facets are counted for searches matching at most {FACET_LIMIT:,} listings: "
            "narrow this one (words, a category, a place or a price range).",
            fields=["facets"],
            context={"limit": FACET_LIMIT},
        )
    stmt = queries.facets_select(prepared.dialect, prepared.filter, prepared.text, prepared.now)
    rows = (await session.exec(stmt)).all()  # type: ignore[call-overload]
    facets = Facets()
    categories: dict[str, int] = {}
    for facet, value, currency, n in rows:
        if value is None or not n:
            continue
        if facet == "kind":
            facets.kinds.append(ValueCount(value, int(n)))
        elif facet == "condition":
            facets.conditions.append(ValueCount(value, int(n)))
        elif facet == "category":
            categories[value] = int(n)
        elif facet == "price" and currency is not None:
            low, high = queries.bucket_range(currency, int(value))
            facets.price_buckets.append(PriceBucketCount(currency, low, high, int(n)))
    facets.kinds.sort(key=lambda c: (-c.count, c.value))
    facets.conditions.sort(key=lambda c: (-c.count, c.value))
    facets.price_buckets.sort(key=lambda b: (b.currency, b.min))
    facets.categories = _roll_up(prepared.taxonomy, categories, prepared.filter.category)
    return facets


# --- saved searches ----------------------------------------------------------------------------


async def save_search(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    query: str | None,
    filter: Mapping[str, Any] | None,
    notify: bool = True,
) -> SavedSearch:
    """Save a search for the calling member (validated like a live search)."""
    member_id = authz.require_member(actor)
    refuse_control_chars(name, "name")
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput("Use 1 to 100 characters.", fields=["name"])
    words = query_words(query)
    f = await resolve_filter(session, filter)
    count = (
        await session.exec(
            sa.select(sa.func.count()).where(col(SavedSearch.member_id) == member_id)  # type: ignore[call-overload]
        )
    ).one()
    if int(count[0]) >= MAX_SAVED_SEARCHES:
        raise SearchLimitExceeded(
            f"You can keep at most {MAX_SAVED_SEARCHES} saved searches.",
            fields=["name"],
            context={"limit": MAX_SAVED_SEARCHES},
        )
    saved = SavedSearch(
        member_id=member_id,
        name=name,
        query=" ".join(words),
        filter=f.to_json(),
        category_slug=f.category,
        notify=notify,
    )
    session.add(saved)
    await session.flush()
    return saved


async def delete_saved_search(
    session: AsyncSession, actor: Actor, *, saved_search_id: uuid.UUID
) -> None:
    """Delete one of the caller's saved searches (NotFound for anyone else's)."""
    member_id = authz.require_member(actor)
    saved = await session.get(SavedSearch, saved_search_id)
    if saved is None or saved.member_id != member_id:
        raise NotFound()
    await session.delete(saved)
    await session.flush()


@dataclass
class SavedSearchPage:
    items: list[SavedSearch]
    has_next: bool


async def list_saved_searches(
    session: AsyncSession,
    actor: Actor,
    *,
    limit: int = DEFAULT_PAGE_SIZE,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> SavedSearchPage:
    """The caller's saved searches, newest first (keyset on created_at, id)."""
    member_id = authz.require_member(actor)
    check_page_size(limit)  # search's own 1..50 bound, before the helper's
    stmt = select(SavedSearch).where(col(SavedSearch.member_id) == member_id)
    items, has_next = await keyset_page(
        session,
        stmt,
        created_at=col(SavedSearch.created_at),
        ident=col(SavedSearch.id),
        after=after,
        limit=limit,
    )
    return SavedSearchPage(items=items, has_next=has_next)


def _saved_criteria(
    saved: SavedSearch, dialect: str, taxonomy: Taxonomy, now: datetime
) -> sa.ColumnElement[bool] | None:
    """The saved search as one SQL condition (None when it no longer validates)."""
    try:
        f = parse_filter(saved.filter, taxonomy)
        words = query_words(saved.query)
    except DomainError:
        log.warning("saved search %s no longer validates; skipped", saved.id)
        return None
    text = TextQuery(tuple(words)) if words else None
    return sa.and_(*queries.where_clauses(dialect, f, text, now))


async def matching_saved_searches(
    session: AsyncSession,
    listing: Listing,
    candidates: Sequence[SavedSearch],
    *,
    taxonomy: Taxonomy | None = None,
) -> list[SavedSearch]:
    """The candidates the listing matches, evaluated in SQL against that one listing
    (the same WHERE clauses as a live search; one statement per batch of 100)."""
    dialect = _dialect(session)
    if taxonomy is None:
        taxonomy = await _taxonomy(session)
    now = utcnow()
    matched: list[SavedSearch] = []
    for start in range(0, len(candidates), MATCH_BATCH):
        batch = candidates[start : start + MATCH_BATCH]
        columns: list[sa.ColumnElement[int]] = []
        usable: list[SavedSearch] = []
        for saved in batch:
            criteria = _saved_criteria(saved, dialect, taxonomy, now)
            if criteria is None:
                continue
            usable.append(saved)
            columns.append(sa.case((criteria, 1), else_=0).label(f"m{len(columns)}"))
        if not columns:
            continue
        row = (
            await session.exec(sa.select(*columns).where(T.id == listing.id))  # type: ignore[call-overload]
        ).first()
        if row is None:
            return []
        matched.extend(saved for saved, hit in zip(usable, row, strict=True) if hit)
    return matched


async def on_listing_published(session: AsyncSession, listing: Listing) -> None:
    """Queue the matching of saved searches against a newly published listing.

    Called by the listings service in the publishing transaction: it records one
    "saved_search.match" job, which the outbox worker runs after commit (run_match_job), so
    publishing neither waits for nor locks anything on behalf of the saved searches.
    """
    await record_event(
        session,
        topic=MATCH_JOB_TOPIC,
        payload={"listingId": str(listing.id), "after": None},
        member_id=listing.seller_id,
    )


def _after_cursor(after: object) -> tuple[datetime, uuid.UUID] | None:
    if not isinstance(after, list) or len(after) != 2:
        return None
    return datetime.fromisoformat(str(after[0])), uuid.UUID(str(after[1]))


async def run_match_job(
    session: AsyncSession, *, listing_id: uuid.UUID, after: object, batch: int
) -> int:
    """One bounded step of matching a published listing against saved searches.

    Reads at most `batch` candidate searches (notify on, not the seller's, of the listing's
    category, an ancestor of it, or no category), after the `after` cursor in (created_at, id)
    order, evaluates them in one statement per MATCH_BATCH, records a "saved_search.matched"
    event per match, and, when the page was full, the job's continuation. Runs in the worker's
    transaction, which also marks the job done: a step's matches are recorded once.
    Returns the number of candidates read.
    """
    listing = await session.get(Listing, listing_id)
    if listing is None:
        return 0
    taxonomy = await _taxonomy(session)
    slug = listing.category_slug
    lineage = [node.slug for node in taxonomy.path(slug)] if slug in taxonomy else [slug]
    stmt = (
        select(SavedSearch)
        .where(col(SavedSearch.notify).is_(True))
        .where(col(SavedSearch.member_id) != listing.seller_id)
        .where(
            sa.or_(
                col(SavedSearch.category_slug).is_(None),
                col(SavedSearch.category_slug).in_(lineage),
            )
        )
        .order_by(col(SavedSearch.created_at), col(SavedSearch.id))
        .limit(batch)
    )
    cursor = _after_cursor(after)
    if cursor is not None:
        created, ident = cursor
        stmt = stmt.where(
            sa.or_(
                col(SavedSearch.created_at) > created,
                sa.and_(col(SavedSearch.created_at) == created, col(SavedSearch.id) > ident),
            )
        )
    candidates = list((await session.exec(stmt)).all())
    if not candidates:
        return 0
    now = utcnow()
    for saved in await matching_saved_searches(session, listing, candidates, taxonomy=taxonomy):
        saved.last_matched_at = now
        session.add(saved)
        await record_event(
            session,
            topic=MATCH_TOPIC,
            payload={
                "savedSearchId": str(saved.id),
                "savedSearchName": saved.name,
                "listingId": str(listing.id),
                "listingTitle": listing.title,
                "memberId": str(saved.member_id),
            },
            member_id=saved.member_id,
        )
    if len(candidates) == batch:
        last = candidates[-1]
        await record_event(
            session,
            topic=MATCH_JOB_TOPIC,
            payload={
                "listingId": str(listing.id),
                "after": [last.created_at.isoformat(), str(last.id)],
            },
            member_id=listing.seller_id,
        )
    return len(candidates)
