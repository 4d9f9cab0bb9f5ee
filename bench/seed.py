# ruff: noqa: S311  (benchmark data: seeded pseudo-random generators on purpose)
"""Seed a fresh benchmark database with realistic listings (not part of the test suite).

    python -m bench.seed --database sqlite                 # 100,000 listings, var/bench/
    python -m bench.seed --database postgresql             # 1,000,000 listings, c2c_bench_1m
    python -m bench.seed --database postgresql --drop      # drop that database and stop

The database is created fresh (an existing one of the same name is replaced), migrated with
c2c_api.migrations.upgrade, the default categories are seeded, then members, listings, photos
(rows only: URLs, no files) and favorites are bulk-loaded:

* SQLite: executemany in large transactions; the FTS5 triggers of migration 0003 fill
  listings_fts; then FTS `optimize` and ANALYZE.
* PostgreSQL: COPY (psycopg 3 `cursor.copy`) in two parallel connections (the machine has two
  cores); the secondary indexes of the loaded tables are dropped first and rebuilt afterwards
  from their own definitions (pg_indexes.indexdef, so the migration's GIN and trigram indexes
  come back exactly as written); the generated `search_vector` column is computed by
  PostgreSQL during COPY; then ANALYZE. Foreign-key triggers are skipped during the load
  (session_replication_role = replica, the data is consistent by construction) when the
  admin role may do so.

Everything is deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import math
import random
import sqlite3
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench import corpus
from c2c_api.categories import default_taxonomy
from c2c_api.categories.attributes import AttributeType
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.listings.service import LISTING_LIFETIME, approximate_position
from c2c_api.photos.storage import rendition_keys

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "var" / "bench"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"

K = ListingKind
KIND_WEIGHTS: dict[ListingKind, float] = {
    K.SALE: 0.74,
    K.AUCTION: 0.05,
    K.RENTAL: 0.05,
    K.SERVICE: 0.07,
    K.SWAP: 0.03,
    K.DONATION: 0.03,
    K.GROUP_BUY: 0.01,
    K.WANTED: 0.02,
}
CONDITION_WEIGHTS = {"NEW": 8, "LIKE_NEW": 22, "GOOD": 45, "FAIR": 20, "FOR_PARTS": 5}
# ~5% not published (drafts, paused, sold, closed).
STATUS_WEIGHTS = {"PUBLISHED": 95.0, "DRAFT": 2.0, "PAUSED": 1.0, "SOLD": 1.0, "CLOSED": 1.0}
CARRIERS = {
    "FR": ["colissimo", "mondial-relay", "chronopost"],
    "BE": ["bpost", "mondial-relay"],
    "CH": ["la-poste-ch", "dpd"],
    "CA": ["canada-post", "purolator"],
    "GB": ["royal-mail", "evri", "dpd"],
}
# Plausible values for numeric attributes (anything else: a value inside the schema's range).
NUMERIC_CHOICES: dict[str, Sequence[int]] = {
    "storage_gb": (32, 64, 128, 256, 512, 1024),
    "ram_gb": (4, 8, 16, 32, 64),
    "screen_size": (61, 65, 67, 133, 140, 156, 430, 550, 650),
    "battery_health": tuple(range(75, 101)),
    "megapixels": (12, 16, 20, 24, 26, 45),
    "shoe_size": tuple(range(350, 465, 5)),
    "width_cm": (60, 80, 120, 140, 160, 180, 200, 220),
    "depth_cm": (40, 60, 80, 90, 100),
    "height_cm": (45, 75, 90, 180, 200),
    "gears": (1, 3, 7, 8, 11, 12, 21, 24),
    "battery_wh": (300, 400, 500, 625, 750),
    "length_cm": (120, 140, 150, 160, 170, 180),
    "voltage": (12, 18, 20, 36, 230),
    "year": tuple(range(1900, 2024)),
    "players_min": (1, 2, 3),
    "players_max": (4, 5, 6, 8),
    "experience_years": tuple(range(0, 25)),
    "capacity_people": (20, 50, 100, 200),
    "max_load_kg": (300, 500, 750),
    "tyre_width": (165, 185, 195, 205, 225),
    "tyre_aspect_ratio": (45, 50, 55, 60, 65),
    "rim_diameter": (14, 15, 16, 17, 18),
}

LISTING_COLUMNS = (
    "id", "kind", "status", "seller_id", "partner_id", "visibility", "title", "description",
    "category_slug", "condition", "attributes", "quantity", "currency", "price", "accepts_offers",
    "start_price", "reserve_price", "buy_now_price", "bid_increment", "price_per_day", "deposit",
    "min_days", "max_days", "price_unit", "duration_minutes", "swap_seeks", "target_quantity",
    "ends_at", "sort_price", "city", "country", "latitude", "longitude", "public_latitude",
    "public_longitude", "shipping_enabled", "shipping_fee", "shipping_carriers", "meetup_enabled",
    "meetup_area", "version", "created_at", "updated_at", "published_at", "closed_at",
    "expires_at",
)  # fmt: skip
LISTING_JSON = frozenset({"attributes", "shipping_carriers"})
PHOTO_COLUMNS = (
    "id", "owner_id", "listing_id", "position", "width", "height", "byte_size", "sha256",
    "renditions", "created_at",
)  # fmt: skip
FAVORITE_COLUMNS = ("member_id", "listing_id", "created_at")
MEMBER_COLUMNS = (
    "id", "email", "email_verified_at", "password_hash", "status", "is_operator", "partner_id",
    "created_at", "updated_at", "display_name", "bio", "avatar_url", "locale", "country", "city",
)  # fmt: skip
NO_LOGIN_HASH = "!bench-member-cannot-sign-in"


# --- generation --------------------------------------------------------------------------------


def _cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


class Picker:
    """Weighted choice by bisection on cumulative weights (fast for many draws)."""

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cum = _cumulative(weights)
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def _zipf(items: Sequence[str], s: float = 1.0) -> Picker:
    return Picker(items, [1.0 / (rank**s) for rank in range(1, len(items) + 1)])


@dataclass
class World:
    """Everything the generator draws from (built once per process)."""

    now: datetime
    members: list[tuple[uuid.UUID, str, str]]  # id, country, city
    seller: Picker
    city: Picker
    kind: Picker
    condition: Picker
    status: Picker
    categories: dict[ListingKind, Picker]
    schemas: dict[str, list[Any]]
    pools: dict[str, list[str]]  # sentence pools: en, fr, en_service, fr_service


def _ordered(leaves: list[str], popular: Sequence[str]) -> list[str]:
    first = [s for s in popular if s in leaves]
    return first + [s for s in leaves if s not in first]


def build_world(rng: random.Random, members: list[tuple[uuid.UUID, str, str]]) -> World:
    taxonomy = default_taxonomy()
    leaves = [n.slug for n in taxonomy.iter_nodes() if taxonomy.is_leaf(n.slug)]
    categories: dict[ListingKind, Picker] = {}
    for kind in ListingKind:
        accepted = [s for s in leaves if kind in taxonomy.kinds_allowed(s)]
        popular = (
            corpus.POPULAR_SERVICES
            if kind is K.SERVICE
            else corpus.POPULAR_RENTALS
            if kind is K.RENTAL
            else corpus.POPULAR
        )
        categories[kind] = _zipf(_ordered(accepted, popular), s=0.9)
    # Sellers: a few power sellers, a long tail of occasional ones.
    seller = _zipf([str(i) for i in range(len(members))], s=0.7)
    pools: dict[str, list[str]] = {}
    cities = [c.name for c in corpus.CITIES]
    for name, templates in (
        ("en", corpus.EN_SENTENCES),
        ("fr", corpus.FR_SENTENCES),
        ("en_service", corpus.SERVICE_EN + corpus.EN_SENTENCES[:12]),
        ("fr_service", corpus.SERVICE_FR + corpus.FR_SENTENCES[:12]),
    ):
        french = name.startswith("fr")
        pool = []
        for _ in range(4000):
            colour = rng.choice(corpus.COLOURS)
            pool.append(
                rng.choice(templates).format(
                    city=rng.choice(cities),
                    colour=colour[1] if french else colour[0],
                    year=rng.randint(2012, 2025),
                    n=rng.choice((5, 10, 15, 20, 30, 50, 80, 120, 250, 400)),
                    noun="mes services" if french else "my services",
                )
            )
        pools[name] = pool
    return World(
        now=datetime.now(UTC).replace(microsecond=0),
        members=members,
        seller=seller,
        city=Picker(corpus.CITIES, [c.weight for c in corpus.CITIES]),
        kind=Picker(list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())),
        condition=Picker(list(CONDITION_WEIGHTS), list(CONDITION_WEIGHTS.values())),
        status=Picker(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())),
        categories=categories,
        schemas={
            s: list(taxonomy.schema_for(s).values())
            for s in leaves  # attribute definitions per leaf
        },
        pools=pools,
    )


def make_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def generate_members(rng: random.Random, count: int, now: datetime) -> list[dict[str, Any]]:
    city = Picker(corpus.CITIES, [c.weight for c in corpus.CITIES])
    rows = []
    for i in range(count):
        c: corpus.City = city(rng)
        first = rng.choice(corpus.FIRST_NAMES)
        created = now - timedelta(days=rng.uniform(91, 2000))
        rows.append(
            {
                "id": make_uuid(rng),
                "email": f"bench-member-{i}@example.test",
                "email_verified_at": created,
                "password_hash": NO_LOGIN_HASH,
                "status": "active",
                "is_operator": False,
                "partner_id": None,
                "created_at": created,
                "updated_at": created,
                "display_name": f"{first} {rng.choice(corpus.LAST_INITIALS)}.",
                "bio": "",
                "avatar_url": None,
                "locale": "fr" if rng.random() < c.french else "en",
                "country": c.country,
                "city": c.name,
            }
        )
    return rows


def _nice(amount: float) -> int:
    """A price a person would type, in minor units."""
    if amount < 10:
        return max(100, round(amount * 2) * 50)
    if amount < 100:
        return round(amount) * 100
    if amount < 1000:
        return round(amount / 5) * 500
    return round(amount / 50) * 5000


def _attributes(
    rng: random.Random,
    defs: list[Any],
    brand: str | None,
    colour_en: str,
    model: str | None,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for d in defs:
        if not d.required and rng.random() < 0.4:
            continue
        t = d.type
        if t is AttributeType.ENUM:
            values = [o.value for o in d.options]
            out[d.key] = (
                colour_en if d.key == "colour" and colour_en in values else rng.choice(values)
            )
        elif t is AttributeType.BOOLEAN:
            out[d.key] = rng.random() < 0.5
        elif t in (AttributeType.INTEGER, AttributeType.DECIMAL):
            low = d.minimum if d.minimum is not None else 0
            high = d.maximum if d.maximum is not None else low + 100
            choices = [v for v in NUMERIC_CHOICES.get(d.key, ()) if low <= v <= high]
            value = rng.choice(choices) if choices else rng.randint(low, min(high, low + 50))
            if d.multiple_of:
                value -= value % d.multiple_of
                value = max(value, low + (-low) % d.multiple_of)
            out[d.key] = value
        else:  # text
            if d.key == "brand" and brand:
                out[d.key] = brand
            elif d.key == "model" and model:
                out[d.key] = model
            elif d.key == "author":
                out[d.key] = rng.choice(corpus.BOOK_AUTHORS)
            elif d.required:
                out[d.key] = "n/a"
    return out


def _title_and_description(
    rng: random.Random,
    world: World,
    kind: ListingKind,
    family: corpus.Family,
    french: bool,
    city: str,
    condition: str | None,
) -> tuple[str, str, str | None, str, str | None]:
    """(title, description, brand, colour in English, model)."""
    en, fr, gender = rng.choice(family.nouns)
    brand = rng.choice(family.brands) if family.brands and rng.random() < 0.85 else None
    adj = rng.choice(corpus.ADJECTIVES)
    colour = rng.choice(corpus.COLOURS)
    model = None
    if family.brands in (corpus.PHONE_BRANDS,):
        model = rng.choice(corpus.PHONE_MODELS)
    elif family.brands is corpus.COMPUTER_BRANDS:
        model = rng.choice(corpus.COMPUTER_MODELS)
    elif family.brands is corpus.GAMING:
        model = rng.choice(corpus.GAMING_MODELS)
    fem = gender == "f"
    adj_fr, colour_fr = (adj[2], colour[2]) if fem else (adj[1], colour[1])
    cond_en, cond_fr = corpus.CONDITIONS.get(condition or "GOOD", corpus.CONDITIONS["GOOD"])
    b = f" {brand}" if brand else ""
    m = f" {model}" if model else ""
    noun = fr if french else en
    cap = noun[0].upper() + noun[1:]
    r = rng.random()
    if kind is K.SERVICE:
        title = f"{cap} à {city}" if french else f"{cap} in {city}"
    elif kind is K.WANTED:
        title = f"Recherche {noun}{b}{m}" if french else f"Wanted: {noun}{b}{m}"
    elif kind is K.DONATION:
        title = f"Donne {noun}{b}" if french else f"Free {noun}{b}"
    elif kind is K.RENTAL:
        title = f"Location {noun}{b}" if french else f"{cap}{b} for hire"
    elif kind is K.SWAP:
        title = f"Échange {noun}{b}" if french else f"Swap: {noun}{b}"
    elif french:
        if model and r < 0.6:
            title = f"{model} {colour_fr}" + (f" {cond_fr}" if rng.random() < 0.4 else "")
        elif r < 0.35:
            title = f"{cap}{b} {colour_fr}"
        elif r < 0.65:
            title = f"{cap} {adj_fr}{b}"
        elif r < 0.85:
            title = f"{cap}{b}{m} - {cond_fr}"
        else:
            title = f"Lot {noun}{b}"
    else:
        if model and r < 0.6:
            title = f"{brand or ''} {model} {colour[0]}".strip()
        elif r < 0.35:
            title = f"{brand + ' ' if brand else ''}{noun}{m}"
        elif r < 0.65:
            title = f"{adj[0].capitalize()} {colour[0]} {noun}{b}"
        elif r < 0.85:
            title = f"{cap}{b}{m}, {cond_en}"
        else:
            title = f"{cap} bundle{b}"
    title = title[:120]

    # Description: an opener about this item, then general sentences (20-120 words in all).
    lang = "fr" if french else "en"
    if kind is K.SERVICE:
        parts = [
            (f"Je propose : {fr}." if french else f"I offer {en}."),
        ]
        pool = world.pools[f"{lang}_service"]
    else:
        openers: tuple[str, ...]
        if french:
            openers = corpus.FR_OPENERS_F if fem else corpus.FR_OPENERS_M
        else:
            openers = corpus.EN_OPENERS
        if not brand:
            openers = tuple(o for o in openers if "{brand}" not in o)
        opener = rng.choice(openers).format(
            brand=brand or "",
            noun=noun,
            adj=adj_fr if french else adj[0],
            colour=colour_fr if french else colour[0],
            cond=cond_fr if french else cond_en,
            year=rng.randint(2014, 2025),
        )
        parts = [opener[0].upper() + opener[1:]]
        if model:
            parts.append(f"Modèle : {model}." if french else f"Model: {model}.")
        pool = world.pools[lang]
    parts.extend(rng.choices(pool, k=rng.randint(3, 11)))
    return title, " ".join(parts), brand, colour[0], model


def generate_chunk(
    seed: int, start: int, count: int, world: World
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Listings number start..start+count, with their photos and favorites."""
    rng = random.Random(seed * 1_000_003 + start)
    listings: list[dict[str, Any]] = []
    photos: list[dict[str, Any]] = []
    favorites: list[dict[str, Any]] = []
    now = world.now
    n_members = len(world.members)
    for _ in range(count):
        kind: ListingKind = world.kind(rng)
        slug: str = world.categories[kind](rng)
        family = corpus.FAMILIES[slug]
        city: corpus.City = world.city(rng)
        french = rng.random() < city.french
        goods = kind not in (K.SERVICE, K.WANTED)
        condition = world.condition(rng) if goods and kind is not K.RENTAL else None
        if kind is K.RENTAL:
            condition = "GOOD"
        title, description, brand, colour_en, model = _title_and_description(
            rng, world, kind, family, french, city.name, condition
        )
        currency = corpus.CURRENCY_OF[city.country]
        eur = family.median_eur * math.exp(rng.gauss(0.0, family.sigma))
        amount = min(_nice(eur * corpus.EUR_RATE[currency]), 1_000_000_000)
        seller_id, _, _ = world.members[int(world.seller(rng)) % n_members]
        status: str = world.status(rng)
        published = now - timedelta(seconds=rng.uniform(0, 90 * 86400))
        created = published - timedelta(seconds=rng.uniform(60, 7200))
        row: dict[str, Any] = dict.fromkeys(LISTING_COLUMNS)
        lat = city.latitude + rng.gauss(0.0, 0.045)
        lng = city.longitude + rng.gauss(0.0, 0.045 / max(math.cos(math.radians(lat)), 0.2))
        plat, plng = approximate_position(lat, lng)
        row.update(
            id=make_uuid(rng),
            kind=kind.value,
            status=status,
            seller_id=seller_id,
            visibility="MARKETPLACE",
            title=title,
            description=description,
            category_slug=slug,
            condition=condition,
            attributes=_attributes(rng, world.schemas[slug], brand, colour_en, model),
            quantity=1,
            currency=currency,
            accepts_offers=False,
            city=city.name,
            country=city.country,
            latitude=round(lat, 6),
            longitude=round(lng, 6),
            public_latitude=plat,
            public_longitude=plng,
            shipping_enabled=False,
            shipping_carriers=[],
            meetup_enabled=True,
            meetup_area=None,
            version=2,
            created_at=created,
            updated_at=published,
            published_at=published,
        )
        if kind is K.SALE:
            row["price"] = amount
            row["accepts_offers"] = rng.random() < 0.4
            row["sort_price"] = amount
        elif kind is K.AUCTION:
            start_price = max(100, _nice(amount * 0.6 / 100))
            row["start_price"] = start_price
            row["reserve_price"] = amount if rng.random() < 0.3 else None
            row["buy_now_price"] = _nice(amount * 1.3 / 100) if rng.random() < 0.2 else None
            row["bid_increment"] = max(100, (start_price // 2000) * 100)
            row["ends_at"] = published + timedelta(days=rng.randint(3, 10))
            row["sort_price"] = start_price
        elif kind is K.RENTAL:
            per_day = max(200, _nice(amount / 100))
            row["price_per_day"] = per_day
            row["deposit"] = per_day * rng.choice((5, 10, 20))
            row["min_days"] = 1
            row["max_days"] = rng.choice((7, 14, 30))
            row["sort_price"] = per_day
        elif kind is K.SERVICE:
            row["price"] = amount
            row["price_unit"] = rng.choices(("HOUR", "FIXED", "DAY"), (70, 20, 10))[0]
            row["duration_minutes"] = rng.choice((None, 60, 90, 120, 180, 240))
            row["sort_price"] = amount
        elif kind is K.SWAP:
            other = rng.choice(family.nouns)
            row["swap_seeks"] = (f"Un(e) {other[1]}" if french else f"A {other[0]}")[:500]
        elif kind is K.GROUP_BUY:
            row["price"] = amount
            row["quantity"] = 100
            row["target_quantity"] = rng.choice((5, 10, 20, 50))
            row["ends_at"] = published + timedelta(days=rng.randint(10, 60))
            row["sort_price"] = amount
        elif kind is K.WANTED:
            budget = amount if rng.random() < 0.7 else None
            row["price"] = budget
            row["sort_price"] = budget
        if goods and kind is not K.RENTAL and rng.random() < 0.6:
            row["shipping_enabled"] = True
            row["shipping_fee"] = rng.choice((None, 350, 490, 690, 990, 1490))
            row["shipping_carriers"] = rng.sample(CARRIERS[city.country], 2)
            row["meetup_enabled"] = rng.random() < 0.7
        if row["meetup_enabled"]:
            row["meetup_area"] = f"{city.name} centre" if rng.random() < 0.5 else None
        ends = row["ends_at"]
        row["expires_at"] = ends if ends is not None else published + LISTING_LIFETIME
        if status == "PUBLISHED" and ends is not None and ends <= now:
            row["status"] = "EXPIRED"  # what the expiry worker would have written
        elif status == "DRAFT":
            row.update(published_at=None, expires_at=None, updated_at=created, version=1)
        elif status in ("SOLD", "CLOSED"):
            row["closed_at"] = published + (now - published) * rng.random()
        listings.append(row)

        # Photos: most listings of goods have 1-3 (rows only; the URLs point nowhere).
        if goods and rng.random() < 0.8:
            for position in range(rng.choice((1, 1, 2, 2, 3, 4))):
                pid = make_uuid(rng)
                photos.append(
                    {
                        "id": pid,
                        "owner_id": seller_id,
                        "listing_id": row["id"],
                        "position": position,
                        "width": 1600,
                        "height": rng.choice((1200, 1600, 2133)),
                        "byte_size": rng.randint(60_000, 400_000),
                        "sha256": f"{rng.getrandbits(256):064x}",
                        "renditions": rendition_keys(pid),
                        "created_at": created,
                    }
                )
        # Favorites: most listings have none, a few are popular.
        if rng.random() < 0.35:
            watchers = min(int(rng.paretovariate(1.3)), 40, n_members)
            for i in rng.sample(range(n_members), watchers):
                favorites.append(
                    {
                        "member_id": world.members[i][0],
                        "listing_id": row["id"],
                        "created_at": published + timedelta(seconds=rng.uniform(0, 86400)),
                    }
                )
    return listings, photos, favorites


def check_sample(world: World, seed: int) -> None:
    """Validate generated attributes against the taxonomy (catches generator bugs early)."""
    taxonomy = default_taxonomy()
    listings, _, _ = generate_chunk(seed, 10**9, 2000, world)
    for row in listings:
        taxonomy.check_listing_category(row["category_slug"], row["kind"])
        taxonomy.validate_attributes(row["category_slug"], row["attributes"])
        assert 1 <= len(row["title"]) <= 120, row["title"]


# --- databases ---------------------------------------------------------------------------------


def _progress(label: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.perf_counter() - started, 1e-9)
    print(f"  {label}: {done:,}/{total:,} ({rate:,.0f}/s)", file=sys.stderr, flush=True)


def _migrate(async_url: str) -> None:
    from c2c_api import migrations
    from c2c_api.categories.service import seed_after_upgrade
    from c2c_api.config import Settings

    migrations.upgrade(async_url)
    seed_after_upgrade(Settings(database_url=async_url))


def sqlite_path(n: int) -> Path:
    return BENCH_DIR / f"c2c_bench_{n}.sqlite3"


def seed_sqlite(n: int, members_n: int, seed: int, chunk: int = 20_000) -> str:
    import sqlalchemy as sa

    from c2c_api.config import Settings
    from c2c_api.db import create_sync_engine
    from c2c_api.favorites.models import Favorite as FavoriteTable
    from c2c_api.listings.models import Listing
    from c2c_api.photos.models import Photo
    from c2c_api.registry import import_models
    from c2c_api.users.models import Member

    import_models()
    path = sqlite_path(n)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{path}"
    _migrate(url)

    rng = random.Random(seed)
    engine = create_sync_engine(Settings(database_url=url))
    try:
        now = datetime.now(UTC)
        member_rows = generate_members(rng, members_n, now)
        with engine.begin() as conn:
            conn.execute(sa.insert(Member.__table__), member_rows)
        world = build_world(rng, [(m["id"], m["country"], m["city"]) for m in member_rows])
        check_sample(world, seed)
        started = time.perf_counter()
        done = 0
        while done < n:
            count = min(chunk, n - done)
            listings, photos, favorites = generate_chunk(seed, done, count, world)
            with engine.begin() as conn:
                conn.execute(sa.insert(Listing.__table__), listings)
                if photos:
                    conn.execute(sa.insert(Photo.__table__), photos)
                if favorites:
                    conn.execute(sa.insert(FavoriteTable.__table__), favorites)
            done += count
            _progress("listings", done, n, started)
    finally:
        engine.dispose()
    # Merge the FTS segments, gather statistics for the planner, fold the WAL in.
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        raw.execute("INSERT INTO listings_fts(listings_fts) VALUES ('optimize')")
        raw.execute("ANALYZE")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    return url


def _pg_url(admin_url: str, database: str) -> str:
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def pg_database_name(n: int) -> str:
    return f"c2c_bench_{n // 1_000_000}m" if n % 1_000_000 == 0 else f"c2c_bench_{n}"


def drop_pg(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _copy_rows(cur: Any, table: str, columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
    json_columns = {c for c in columns if c in LISTING_JSON or c == "renditions"}
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                tuple(
                    json.dumps(row[c], ensure_ascii=False) if c in json_columns else row[c]
                    for c in columns
                )
            )


def seed_postgresql(n: int, members_n: int, seed: int, admin_url: str, chunk: int = 25_000) -> str:
    import psycopg

    name = pg_database_name(n)
    drop_pg(admin_url, name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    sync_url = _pg_url(admin_url, name)
    async_url = sync_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    _migrate(async_url)

    rng = random.Random(seed)
    now = datetime.now(UTC)
    member_rows = generate_members(rng, members_n, now)
    world = build_world(rng, [(m["id"], m["country"], m["city"]) for m in member_rows])
    check_sample(world, seed)

    tables = ("listings", "photos", "favorites")
    with psycopg.connect(sync_url, autocommit=True) as conn:
        indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            (list(tables),),
        ).fetchall()
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        is_super = bool(superuser.fetchone()[0])  # type: ignore[index]
        with conn.cursor() as cur:
            _copy_rows(cur, "members", MEMBER_COLUMNS, member_rows)
        for index_name, _ in indexes:
            conn.execute(f'DROP INDEX "{index_name}"')
    print(f"  dropped {len(indexes)} secondary indexes for the load", file=sys.stderr)

    started = time.perf_counter()
    done_lock = threading.Lock()
    done = [0]
    starts = list(range(0, n, chunk))
    errors: list[BaseException] = []

    def worker(my_starts: list[int]) -> None:
        try:
            with psycopg.connect(sync_url) as conn:
                if is_super:
                    conn.execute("SET session_replication_role = replica")
                conn.execute("SET synchronous_commit = off")
                for start in my_starts:
                    count = min(chunk, n - start)
                    listings, photos, favorites = generate_chunk(seed, start, count, world)
                    with conn.cursor() as cur:
                        _copy_rows(cur, "listings", LISTING_COLUMNS, listings)
                        _copy_rows(cur, "photos", PHOTO_COLUMNS, photos)
                        _copy_rows(cur, "favorites", FAVORITE_COLUMNS, favorites)
                    conn.commit()
                    with done_lock:
                        done[0] += count
                        _progress("listings", done[0], n, started)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(starts[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    print(f"  COPY done in {time.perf_counter() - started:,.0f} s", file=sys.stderr)

    # Rebuild the indexes, two at a time (two cores), the big GIN ones first.
    index_started = time.perf_counter()
    queue = sorted(indexes, key=lambda i: ("gin" not in i[1].lower(), i[0]))
    queue_lock = threading.Lock()

    def builder() -> None:
        try:
            with psycopg.connect(sync_url, autocommit=True) as conn:
                conn.execute("SET maintenance_work_mem = '1GB'")
                conn.execute("SET max_parallel_maintenance_workers = 0")
                while True:
                    with queue_lock:
                        if not queue:
                            return
                        index_name, definition = queue.pop(0)
                    t0 = time.perf_counter()
                    conn.execute(definition)
                    print(
                        f"  index {index_name}: {time.perf_counter() - t0:,.1f} s",
                        file=sys.stderr,
                        flush=True,
                    )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=builder) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    print(f"  indexes rebuilt in {time.perf_counter() - index_started:,.0f} s", file=sys.stderr)
    with psycopg.connect(sync_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) listings, photos, favorites, members, categories")
        # The search settings docs/search.md recommends ("Production"), for this database only.
        for setting in SEARCH_SETTINGS:
            conn.execute(f"ALTER DATABASE {pg_database_name(n)} SET {setting}")
    return async_url


# Per-database settings of the benchmark database (docs/search.md, "Production"): exact bitmaps
# for common words, and a planner that knows the data is cached. shared_buffers is a server
# setting: bench.run prints it and warns when the database does not fit.
SEARCH_SETTINGS = ("work_mem = '32MB'", "random_page_cost = 1.1")


def _exists(database: str, n: int, admin_url: str) -> bool:
    if database == "sqlite":
        return sqlite_path(n).exists()
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (pg_database_name(n),)
        ).fetchone()
    return row is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--listings", type=int, help="default 100000 (SQLite), 1000000 (PG)")
    parser.add_argument("--members", type=int, help="default: listings / 200, 2,000 to 6,000")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--admin-url", default=None, help="PostgreSQL admin connection")
    parser.add_argument("--drop", action="store_true", help="drop the bench database and stop")
    parser.add_argument(
        "--if-missing", action="store_true", help="do nothing when a complete seed is there"
    )
    args = parser.parse_args(argv)
    import os

    n = args.listings or (100_000 if args.database == "sqlite" else 1_000_000)
    members_n = args.members or max(2_000, min(6_000, n // 200))
    admin_url = args.admin_url or os.environ.get("C2C_BENCH_POSTGRES_URL", DEFAULT_ADMIN_URL)

    if args.drop:
        if args.database == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(str(sqlite_path(n)) + suffix).unlink(missing_ok=True)
            print(f"removed {sqlite_path(n)}")
        else:
            drop_pg(admin_url, pg_database_name(n))
            print(f"dropped database {pg_database_name(n)}")
        return 0

    marker = BENCH_DIR / f"seed-{args.database}-{n}.json"
    if args.if_missing and marker.exists() and _exists(args.database, n, admin_url):
        print(f"already seeded ({marker}); BENCH_RESEED=1 or no --if-missing to seed again")
        return 0
    marker.unlink(missing_ok=True)  # written again only when this seed completes
    started = time.perf_counter()
    print(f"seeding {n:,} listings, {members_n:,} members on {args.database}", file=sys.stderr)
    if args.database == "sqlite":
        url = seed_sqlite(n, members_n, args.seed)
    else:
        url = seed_postgresql(n, members_n, args.seed, admin_url)
    elapsed = time.perf_counter() - started
    info = {
        "database": args.database,
        "url": url,
        "listings": n,
        "members": members_n,
        "seed": args.seed,
        "seconds": round(elapsed, 1),
        "seeded_at": datetime.now(UTC).isoformat(),
    }
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(info, indent=2) + "\n")
    print(f"seeded in {elapsed:,.1f} s: {url}", file=sys.stderr)
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
