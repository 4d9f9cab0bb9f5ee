"""Purchases through the full stack on PostgreSQL, against the same service calls bare.

    python -m bench.purchases                      # C2C_BENCH_POSTGRES_URL, default
                                                   # postgresql://postgres@127.0.0.1:5432/test
    python -m bench.purchases --purchases 300 --race-repeats 10 --json out.json

A fresh, uniquely named PostgreSQL database is created on that server, migrated with
`c2c_api.migrations.upgrade`, and dropped at the end (`--keep` keeps it). Everything runs in
this process: the app (`create_app`, every middleware) and the bare endpoints are called over
`httpx.ASGITransport` (no sockets), both on one `Database` (one pool of 10 + 10 connections),
the sides taking turns, never at the same time. The outbox worker is not started (httpx does
not run the lifespan): e-mails and notifications stay queued, as they would while a worker is
busy, and no timer is due during the run.

Seed: sellers and buyers, each buyer with a real access token (issued by the OAuth server's
own code, `auth.issuing`), and `--listings` published SALE listings with enough stock that no
purchase of part (a) runs out.

(a) A purchase, each side driven the same way (two HTTP requests, timed together):
  graphql   POST /graphql `buyNow` (bearer token -> Actor, query cost, create_order in its
            transaction with the idempotency key claimed and answered there), then
            POST /graphql `payOrder` with "card_success" (pay_order's three steps around the
            sandbox provider, the key claimed in the first and answered in the last);
  bare      POST /buy (create_order in db.transaction) then POST /pay (pay_order): a bare
            Starlette app, no middleware, NO GraphQL, NO authentication (the buyer's id is in
            the body), NO idempotency key, no read-back; the same services, fee schedule and
            provider.
  Concurrency 1 then `--concurrency` (8), each in blocks alternating the sides; orders per
  second, p50/p95/p99 of a purchase, the ratio GraphQL / bare. Then SQL statements and
  transactions per purchase on each side, counted on the engine, by table.
(b) Race: `--race-buyers` (200) distinct members call `buyNow` on one listing of quantity
  `--race-items` (10), all released at once (at most `--race-concurrency` in flight); the
  orders created must be exactly the items. Repeated `--race-repeats` (5) times, each on a new
  listing. Then the winners pay (GraphQL) and their orders are completed through the services
  (ship, confirm_receipt, accept_item): every race listing must end SOLD with 10 sold.
Finally: stock versus orders on every listing, `check_ledger`, and an independent raw-SQL sum
of the ledger's entries per currency and per transaction (each must be zero).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy import event
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.relay import GlobalID

from bench.run import machine
from c2c_api import migrations
from c2c_api.auth.clients import create_client
from c2c_api.auth.issuing import issue_member_tokens
from c2c_api.auth.models import ClientKind
from c2c_api.authz import Actor, ActorKind, scopes_for
from c2c_api.categories.models import Category
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.errors import DomainError
from c2c_api.kit.clock import utcnow
from c2c_api.kit.passwords import hash_password_sync
from c2c_api.ledger.service import check_ledger
from c2c_api.listings.models import Listing, ListingStatus
from c2c_api.orders import payments
from c2c_api.orders import service as orders
from c2c_api.orders.models import Handover
from c2c_api.payments.fees import FeeSchedule
from c2c_api.registry import import_models
from c2c_api.users.models import Member, MemberStatus

ROOT = Path(__file__).resolve().parents[1]
RUNS_DIR = ROOT / "var" / "bench" / "runs"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
SECRET = "bench-secret-key-not-for-production-0123456789"
CATEGORY = "bench-purchases"
TOKEN_SCOPES = ["account:read", "orders:write"]
SIDES = ("graphql", "bare")

BUY = (
    "mutation Buy($l: ID!, $k: String!) { buyNow(listingId: $l, handover: SHIPPING,"
    " idempotencyKey: $k) { __typename ... on BuyNowSuccess { order { id state } }"
    " ... on UserError { code } } }"
)
PAY = (
    'mutation Pay($o: ID!, $k: String!) { payOrder(orderId: $o, paymentMethod: "card_success",'
    " idempotencyKey: $k) { __typename ... on PayOrderSuccess { order { id state } }"
    " ... on UserError { code } } }"
)


# --- database ----------------------------------------------------------------------------------


def admin_url() -> sa.URL:
    raw = os.environ.get("C2C_BENCH_POSTGRES_URL") or DEFAULT_ADMIN_URL
    return sa.make_url(raw).set(drivername="postgresql+psycopg")


def create_database() -> tuple[str, str]:
    """A new, empty database on the bench server: (async url, name)."""
    name = f"c2c_bench_purchases_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = admin_url().set(drivername="postgresql+asyncpg", database=name)
    return url.render_as_string(hide_password=False), name


def drop_database(name: str) -> None:
    engine = sa.create_engine(admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def bench_settings(url: str) -> Settings:
    return Settings(
        database_url=url,
        env="development",
        secret_key=SECRET,
        log_json=False,
        log_level="WARNING",
        access_token_ttl=6 * 3600,
        # One process plays every member from one address: the query budget is computed on
        # every request (part of what is measured) but never runs out.
        graphql_budget_capacity_member=1_000_000_000,
        graphql_budget_refill_member=1_000_000_000.0,
    )


# --- seed --------------------------------------------------------------------------------------


@dataclass
class Buyer:
    member_id: uuid.UUID
    token: str

    @property
    def actor(self) -> Actor:
        return member_actor(self.member_id)


def member_actor(member_id: uuid.UUID) -> Actor:
    """What a member's token stands for; the bare side builds it without any token."""
    return Actor(
        kind=ActorKind.MEMBER,
        scopes=frozenset(scopes_for(ActorKind.MEMBER)),
        member_id=member_id,
        partner_id=None,
        client_id="bench-bare",
    )


class Seeder:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.password_hash = hash_password_sync("bench password, never used to sign in")
        self.client_id: str | None = None

    async def setup(self) -> None:
        async with self.db.transaction() as session:
            session.add(Category(slug=CATEGORY, name={"en": "Bench", "fr": "Bench"}))
            client, _ = await create_client(
                session,
                name="bench",
                kind=ClientKind.PUBLIC,
                redirect_uris=["http://127.0.0.1:3000/callback"],
                scopes=scopes_for(ActorKind.MEMBER),
                first_party=True,
            )
            self.client_id = client.client_id

    async def members(self, count: int) -> list[uuid.UUID]:
        now = utcnow()
        rows = [
            Member(
                email=f"bench-{uuid.uuid4().hex[:12]}@example.com",
                password_hash=self.password_hash,
                display_name="Bench member",
                status=MemberStatus.ACTIVE,
                email_verified_at=now,
                created_at=now,
                updated_at=now,
            )
            for _ in range(count)
        ]
        async with self.db.transaction() as session:
            session.add_all(rows)
        return [m.id for m in rows]

    async def buyers(self, count: int, *, scopes: list[str] | None = None) -> list[Buyer]:
        """Members with an access token each, issued by the OAuth server's own code."""
        assert self.client_id is not None
        ids = await self.members(count)
        limit = asyncio.Semaphore(4)

        async def token(member_id: uuid.UUID) -> Buyer:
            async with limit:
                issued = await issue_member_tokens(
                    self.db,
                    client_id=self.client_id or "",
                    member_id=member_id,
                    scopes=scopes or TOKEN_SCOPES,
                    include_refresh_token=False,
                )
            return Buyer(member_id, issued["access_token"])

        return list(await asyncio.gather(*(token(i) for i in ids)))

    async def listings(
        self, sellers: list[uuid.UUID], count: int, *, quantity: int
    ) -> list[uuid.UUID]:
        now = utcnow()
        rows = [
            Listing(
                kind=ListingKind.SALE,
                status=ListingStatus.PUBLISHED,
                seller_id=sellers[i % len(sellers)],
                title=f"Bench bike {i}",
                category_slug=CATEGORY,
                price=1000 + i,
                sort_price=1000 + i,
                quantity=quantity,
                currency="EUR",
                accepts_offers=False,
                shipping_enabled=True,
                shipping_fee=300,
                meetup_enabled=False,
                created_at=now,
                updated_at=now,
                published_at=now,
            )
            for i in range(count)
        ]
        async with self.db.transaction() as session:
            session.add_all(rows)
        return [row.id for row in rows]


# --- the bare side -----------------------------------------------------------------------------


def bare_app(db: Database, settings: Settings) -> Starlette:
    """POST /buy and POST /pay: the two service calls of a purchase, nothing around them (no
    GraphQL, no authentication: the buyer's id comes in the body, no idempotency key)."""
    provider = payments.provider_for(db, settings)
    fees = FeeSchedule.from_settings(settings)

    def refused(error: DomainError) -> Response:
        return JSONResponse({"code": error.code.value}, status_code=409)

    async def buy(request: Request) -> Response:
        body = await request.json()
        actor = member_actor(uuid.UUID(body["buyerId"]))
        try:
            async with db.transaction() as session:
                order = await orders.create_order(
                    session,
                    actor,
                    listing_id=uuid.UUID(body["listingId"]),
                    quantity=1,
                    handover=Handover.SHIPPING,
                    fees=fees,
                )
        except DomainError as error:
            return refused(error)
        return JSONResponse({"orderId": str(order.id), "state": order.state})

    async def pay(request: Request) -> Response:
        body = await request.json()
        actor = member_actor(uuid.UUID(body["buyerId"]))
        try:
            value = await payments.pay_order(
                db,
                actor,
                provider,
                order_id=uuid.UUID(body["orderId"]),
                payment_method="card_success",
            )
        except DomainError as error:
            return refused(error)
        return JSONResponse(value)

    return Starlette(
        routes=[Route("/buy", buy, methods=["POST"]), Route("/pay", pay, methods=["POST"])]
    )


# --- driving both sides ------------------------------------------------------------------------


class Failed(Exception):
    """A purchase did not end PAID (its answer says why)."""


class Sides:
    def __init__(self, app: Any, bare: Starlette) -> None:
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
        self.graphql = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://127.0.0.1:8000",
            timeout=120,
            limits=limits,
        )
        self.bare = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=bare),
            base_url="http://127.0.0.1:8001",
            timeout=120,
            limits=limits,
        )

    async def close(self) -> None:
        await self.graphql.aclose()
        await self.bare.aclose()

    async def gql(self, token: str, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.graphql.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}", "accept": "application/json"},
        )
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise Failed(f"HTTP {response.status_code}: {str(body)[:300]}")
        data: dict[str, Any] = body["data"]
        return data

    async def buy_now(self, buyer: Buyer, listing_id: uuid.UUID) -> dict[str, Any]:
        gid = str(GlobalID("SaleListing", str(listing_id)))
        data = await self.gql(buyer.token, BUY, l=gid, k=str(uuid.uuid4()))
        payload: dict[str, Any] = data["buyNow"]
        return payload

    async def pay_order(self, buyer: Buyer, order_gid: str) -> dict[str, Any]:
        data = await self.gql(buyer.token, PAY, o=order_gid, k=str(uuid.uuid4()))
        payload: dict[str, Any] = data["payOrder"]
        return payload

    async def purchase(self, side: str, buyer: Buyer, listing_id: uuid.UUID) -> float:
        """Buy then pay; the seconds the order's creation (the buy) took."""
        started = time.perf_counter()
        if side == "graphql":
            bought = await self.buy_now(buyer, listing_id)
            if bought["__typename"] != "BuyNowSuccess":
                raise Failed(f"buyNow: {bought}")
            created = time.perf_counter() - started
            paid = await self.pay_order(buyer, bought["order"]["id"])
            if paid["__typename"] != "PayOrderSuccess" or paid["order"]["state"] != "PAID":
                raise Failed(f"payOrder: {paid}")
            return created
        response = await self.bare.post(
            "/buy", json={"buyerId": str(buyer.member_id), "listingId": str(listing_id)}
        )
        if response.status_code != 200:
            raise Failed(f"/buy: {response.status_code} {response.text[:200]}")
        created = time.perf_counter() - started
        order_id = response.json()["orderId"]
        response = await self.bare.post(
            "/pay", json={"buyerId": str(buyer.member_id), "orderId": order_id}
        )
        if response.status_code != 200:
            raise Failed(f"/pay: {response.status_code} {response.text[:200]}")
        return created


@dataclass
class Block:
    latencies: list[float] = field(default_factory=list)
    buy_latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu: float = 0.0

    def merge(self, other: Block) -> None:
        self.latencies.extend(other.latencies)
        self.buy_latencies.extend(other.buy_latencies)
        self.errors.extend(other.errors)
        self.seconds += other.seconds
        self.cpu += other.cpu

    def stats(self) -> dict[str, Any]:
        lat = sorted(self.latencies)
        if not lat:
            return {"n": 0, "errors": len(self.errors)}

        def pct(p: float, values: list[float] = lat) -> float:
            k = max(0, min(len(values) - 1, math.ceil(p / 100 * len(values)) - 1))  # nearest
            return values[k] * 1000

        buys = sorted(self.buy_latencies) or lat

        return {
            "n": len(lat),
            "errors": len(self.errors),
            "orders_per_s": len(lat) / self.seconds if self.seconds else 0.0,
            "p50": pct(50),
            "p95": pct(95),
            "p99": pct(99),
            "mean": statistics.fmean(lat) * 1000,
            "cpu_ms": self.cpu / len(lat) * 1000,
            "buy_p50": pct(50, buys),
            "buy_p95": pct(95, buys),
        }


class Work:
    """Purchase i: a buyer and a listing spread so that concurrent purchases rarely share one."""

    def __init__(self, buyers: list[Buyer], listings: list[uuid.UUID]) -> None:
        self.buyers = buyers
        self.listings = listings
        self.next = 0

    def take(self) -> tuple[Buyer, uuid.UUID]:
        i = self.next
        self.next += 1
        return self.buyers[i % len(self.buyers)], self.listings[i % len(self.listings)]


async def run_block(
    sides: Sides, side: str, work: Work, count: int, concurrency: int, max_seconds: float
) -> Block:
    block = Block()
    done = 0
    deadline = time.perf_counter() + max_seconds

    async def worker() -> None:
        nonlocal done
        while done < count and time.perf_counter() < deadline:
            done += 1
            buyer, listing_id = work.take()
            started = time.perf_counter()
            try:
                created = await sides.purchase(side, buyer, listing_id)
            except Failed as failure:
                block.errors.append(str(failure))
                continue
            block.latencies.append(time.perf_counter() - started)
            block.buy_latencies.append(created)

    cpu = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    block.seconds = time.perf_counter() - started
    block.cpu = time.process_time() - cpu
    return block


async def phase(
    sides: Sides, work: Work, *, count: int, concurrency: int, blocks: int, max_seconds: float
) -> dict[str, Block]:
    """`count` purchases per side in `blocks` blocks, the sides alternating (GraphQL first in
    even blocks)."""
    results = {side: Block() for side in SIDES}
    per_block = max(1, count // blocks)
    for b in range(blocks):
        order = SIDES if b % 2 == 0 else SIDES[::-1]
        for side in order:
            results[side].merge(
                await run_block(sides, side, work, per_block, concurrency, max_seconds / blocks)
            )
    return results


# --- statements per purchase -------------------------------------------------------------------

_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE|JOIN)\s+"?([a-z_]+)"?', re.IGNORECASE)


class StatementCounter:
    """SQL statements, commits and pool checkouts on the engine (a checkout is pinged first,
    one round trip, unless its first statement is a token's check: db.single_read);
    statements by the first table each names."""

    def __init__(self, db: Database) -> None:
        self.on = False
        self.tables: Counter[str] = Counter()
        self.commits = 0
        self.checkouts = 0
        engine = db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)
        event.listen(engine.pool, "checkout", self._checkout)

    def _checkout(self, *_: Any) -> None:
        if self.on:
            self.checkouts += 1

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.on:
            found = _TABLE.search(statement)
            self.tables[found.group(1) if found else statement.split()[0].lower()] += 1

    def _commit(self, _conn: Any) -> None:
        if self.on:
            self.commits += 1

    async def count(self, run: Callable[[], Awaitable[None]], times: int) -> dict[str, Any]:
        self.tables.clear()
        self.commits = self.checkouts = 0
        self.on = True
        try:
            for _ in range(times):
                await run()
        finally:
            self.on = False
        return {
            "statements": sum(self.tables.values()) / times,
            "commits": self.commits / times,
            "checkouts": self.checkouts / times,
            "by_table": {t: n / times for t, n in self.tables.most_common()},
        }


# --- the race ----------------------------------------------------------------------------------


async def race(
    sides: Sides,
    seeder: Seeder,
    db: Database,
    buyers: list[Buyer],
    *,
    items: int,
    concurrency: int,
) -> dict[str, Any]:
    """Every buyer calls buyNow on one new listing of `items` units, all released at once."""
    seller = (await seeder.members(1))[0]
    listing_id = (await seeder.listings([seller], 1, quantity=items))[0]
    go = asyncio.Event()
    limit = asyncio.Semaphore(concurrency)
    outcomes: Counter[str] = Counter()
    winners: list[tuple[Buyer, str]] = []

    async def attempt(buyer: Buyer) -> None:
        await go.wait()
        async with limit:
            try:
                payload = await sides.buy_now(buyer, listing_id)
            except Failed as failure:
                outcomes[f"failed: {str(failure)[:80]}"] += 1
                return
        if payload["__typename"] == "BuyNowSuccess":
            outcomes["BuyNowSuccess"] += 1
            winners.append((buyer, payload["order"]["id"]))
        else:
            outcomes[payload.get("code", payload["__typename"])] += 1

    tasks = [asyncio.create_task(attempt(b)) for b in buyers]
    await asyncio.sleep(0)
    started = time.perf_counter()
    go.set()
    await asyncio.gather(*tasks)
    seconds = time.perf_counter() - started
    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                sa.text(
                    "SELECT l.quantity, l.reserved_quantity, l.sold_quantity, l.status,"
                    " (SELECT count(*) FROM orders o WHERE o.listing_id = l.id)"
                    " FROM listings l WHERE l.id = :id"
                ),
                {"id": listing_id},
            )
        ).one()
    return {
        "listing_id": str(listing_id),
        "seller_id": str(seller),
        "seconds": seconds,
        "outcomes": dict(outcomes),
        "successes": outcomes["BuyNowSuccess"],
        "orders_in_db": row[4],
        "reserved": row[1],
        "status": row[3],
        "ok": outcomes["BuyNowSuccess"] == row[4] == row[1] == items,
        "winners": winners,
    }


async def settle_race(
    sides: Sides, db: Database, result: dict[str, Any], *, items: int
) -> dict[str, Any]:
    """The winners pay (GraphQL); the seller ships and the buyers complete (services)."""
    winners: list[tuple[Buyer, str]] = result.pop("winners")
    paid = await asyncio.gather(*(sides.pay_order(b, gid) for b, gid in winners))
    states = Counter(p.get("order", {}).get("state", p.get("code")) for p in paid)
    seller = member_actor(uuid.UUID(result["seller_id"]))
    for buyer, gid in winners:
        order_id = uuid.UUID(GlobalID.from_id(gid).node_id)
        for actor, name, inputs in (
            (seller, "ship", {"carrier": "Colissimo", "trackingNumber": "BENCH1"}),
            (buyer.actor, "confirm_receipt", {}),
            (buyer.actor, "accept_item", {}),
        ):
            async with db.transaction() as session:
                await orders.take_transition(
                    session, actor, order_id=order_id, name=name, inputs=inputs
                )
    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                sa.text(
                    "SELECT l.reserved_quantity, l.sold_quantity, l.status,"
                    " (SELECT count(*) FROM orders o WHERE o.listing_id = l.id"
                    "  AND o.state = 'COMPLETED') FROM listings l WHERE l.id = :id"
                ),
                {"id": uuid.UUID(result["listing_id"])},
            )
        ).one()
    return {
        "paid": dict(states),
        "completed": row[3],
        "sold": row[1],
        "reserved_after": row[0],
        "status_after": row[2],
        "settled_ok": states.get("PAID") == items == row[3] == row[1] and row[2] == "SOLD",
    }


# --- final checks ------------------------------------------------------------------------------

STOCK_CHECK = """
SELECT l.id, l.quantity, l.reserved_quantity, l.sold_quantity, COALESCE(o.units, 0)
FROM listings l LEFT JOIN (
  SELECT listing_id, SUM(quantity) AS units FROM orders
  WHERE state NOT IN ('CANCELLED', 'REFUNDED') GROUP BY listing_id
) o ON o.listing_id = l.id
WHERE l.reserved_quantity + l.sold_quantity <> COALESCE(o.units, 0)
   OR l.reserved_quantity + l.sold_quantity > l.quantity
"""


async def final_checks(db: Database) -> dict[str, Any]:
    async with db.sessionmaker() as session:
        problems = await check_ledger(session)
    async with db.engine.connect() as conn:
        stock = (await conn.execute(sa.text(STOCK_CHECK))).all()
        per_currency = (
            await conn.execute(
                sa.text(
                    "SELECT currency, SUM(amount), COUNT(*) FROM ledger_entries GROUP BY currency"
                )
            )
        ).all()
        unbalanced = (
            await conn.execute(
                sa.text(
                    "SELECT count(*) FROM (SELECT transaction_id FROM ledger_entries"
                    " GROUP BY transaction_id, currency HAVING SUM(amount) <> 0) t"
                )
            )
        ).scalar_one()
        counts = (
            await conn.execute(
                sa.text(
                    "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM orders"
                    " WHERE state = 'PAID'), (SELECT count(*) FROM ledger_transactions)"
                )
            )
        ).one()
    return {
        "check_ledger": problems,
        "stock_mismatches": [list(map(str, row)) for row in stock],
        "entries_per_currency": {c: {"sum": int(s), "entries": int(n)} for c, s, n in per_currency},
        "unbalanced_transactions": int(unbalanced),
        "orders": counts[0],
        "orders_paid": counts[1],
        "ledger_transactions": counts[2],
    }


# --- report ------------------------------------------------------------------------------------


def table(results: dict[int, dict[str, dict[str, Any]]]) -> str:
    lines = [
        "",
        "(a) purchases (buy + pay); latency of a purchase in ms; CPU = this process's CPU "
        "time per purchase (app + client; PostgreSQL is another process)",
        f"{'concurrency':>11} {'side':<8} {'n':>5} {'err':>4} {'orders/s':>9} {'p50':>7} "
        f"{'p95':>7} {'p99':>7} {'CPU ms':>7} {'buy p50':>8} {'buy p95':>8}",
    ]
    for concurrency, by_side in results.items():
        for side in SIDES:
            s = by_side[side]
            lines.append(
                f"{concurrency:>11} {side:<8} {s['n']:>5} {s['errors']:>4} "
                f"{s['orders_per_s']:>9.1f} {s['p50']:>7.1f} {s['p95']:>7.1f} {s['p99']:>7.1f} "
                f"{s['cpu_ms']:>7.1f} {s['buy_p50']:>8.1f} {s['buy_p95']:>8.1f}"
            )
        g, b = by_side["graphql"], by_side["bare"]
        lines.append(
            f"{'':>11} {'ratio':<8} GraphQL/bare: orders/s "
            f"x{g['orders_per_s'] / b['orders_per_s']:.2f} (target >= x0.70), "
            f"p50 x{g['p50'] / b['p50']:.2f}, p95 x{g['p95'] / b['p95']:.2f}"
        )
    return "\n".join(lines)


def statements_table(counts: dict[str, dict[str, Any]]) -> str:
    tables = sorted({t for c in counts.values() for t in c["by_table"]})
    lines = [
        "",
        "SQL statements per purchase (counted on the engine), by the first table named",
        f"{'':<24} {'graphql':>8} {'bare':>8}",
        f"{'all statements':<24} {counts['graphql']['statements']:>8.1f} "
        f"{counts['bare']['statements']:>8.1f}",
        f"{'commits':<24} {counts['graphql']['commits']:>8.1f} {counts['bare']['commits']:>8.1f}",
        f"{'pool checkouts':<24} {counts['graphql']['checkouts']:>8.1f} "
        f"{counts['bare']['checkouts']:>8.1f}",
    ]
    for t in tables:
        g = counts["graphql"]["by_table"].get(t, 0.0)
        b = counts["bare"]["by_table"].get(t, 0.0)
        lines.append(f"  {t:<22} {g:>8.1f} {b:>8.1f}")
    return "\n".join(lines)


async def bench(args: argparse.Namespace, url: str) -> dict[str, Any]:
    from c2c_api.app import create_app
    from c2c_api.runtime import tune_garbage_collector

    settings = bench_settings(url)
    db = Database(settings)
    app = create_app(settings, db=db)
    sides = Sides(app, bare_app(db, settings))
    counter = StatementCounter(db)
    seeder = Seeder(db)
    out: dict[str, Any] = {}
    try:
        started = time.perf_counter()
        await seeder.setup()
        sellers = await seeder.members(args.sellers)
        buyers = await seeder.buyers(max(args.buyers, args.race_buyers))
        levels = sorted({1, args.concurrency})
        planned = 2 * (args.warmup + args.profile + args.purchases * len(levels))
        quantity = math.ceil(planned * 1.2 / args.listings) + 2
        listing_ids = await seeder.listings(sellers, args.listings, quantity=quantity)
        out["seed_seconds"] = time.perf_counter() - started
        print(
            f"seeded {args.sellers} sellers, {len(buyers)} buyers with tokens, "
            f"{args.listings} listings of {quantity} units in {out['seed_seconds']:.1f} s",
            flush=True,
        )
        work = Work(buyers[: args.buyers], listing_ids)

        for side in SIDES:  # warm-up: caches, pool, first-use imports
            await run_block(sides, side, work, args.warmup, 1, 120)
        tune_garbage_collector()

        results: dict[int, dict[str, dict[str, Any]]] = {}
        errors: list[str] = []
        for concurrency in levels:
            blocks = await phase(
                sides,
                work,
                count=args.purchases,
                concurrency=concurrency,
                blocks=args.blocks,
                max_seconds=args.max_seconds,
            )
            results[concurrency] = {side: b.stats() for side, b in blocks.items()}
            errors.extend(e for b in blocks.values() for e in b.errors[:5])
            print(table({concurrency: results[concurrency]}), flush=True)
        out["purchases"] = {str(c): r for c, r in results.items()}
        out["purchase_errors"] = errors

        counts = {}
        for side in SIDES:

            async def one(side: str = side) -> None:
                await sides.purchase(side, *work.take())

            counts[side] = await counter.count(one, args.profile)
        out["statements"] = counts
        print(statements_table(counts), flush=True)

        print(
            f"\n(b) race: {args.race_buyers} buyers, one listing of {args.race_items} units, "
            f"at most {args.race_concurrency} requests in flight",
            flush=True,
        )
        races = []
        for r in range(args.race_repeats):
            result = await race(
                sides,
                seeder,
                db,
                buyers[: args.race_buyers],
                items=args.race_items,
                concurrency=args.race_concurrency,
            )
            result.update(await settle_race(sides, db, result, items=args.race_items))
            races.append(result)
            refused = ", ".join(
                f"{k} {v}" for k, v in sorted(result["outcomes"].items()) if k != "BuyNowSuccess"
            )
            print(
                f"  race {r + 1}: {result['successes']} orders created, {result['orders_in_db']} "
                f"in the database, reserved {result['reserved']} -> "
                f"{'OK' if result['ok'] else 'WRONG'} ({result['seconds']:.2f} s; refused: "
                f"{refused}); paid {result['paid']}, completed {result['completed']}, "
                f"sold {result['sold']}, listing {result['status_after']} -> "
                f"{'OK' if result['settled_ok'] else 'WRONG'}",
                flush=True,
            )
        out["races"] = races

        checks = await final_checks(db)
        out["checks"] = checks
        print(
            f"\nchecks: {checks['orders']} orders ({checks['orders_paid']} PAID), "
            f"{checks['ledger_transactions']} ledger transactions; "
            f"stock vs orders mismatches: {len(checks['stock_mismatches'])}; "
            f"check_ledger: {'sound' if not checks['check_ledger'] else checks['check_ledger']}; "
            f"entries per currency: "
            + ", ".join(
                f"{c} sum {v['sum']} over {v['entries']} entries"
                for c, v in checks["entries_per_currency"].items()
            )
            + f"; unbalanced transactions: {checks['unbalanced_transactions']}",
            flush=True,
        )
        ok = (
            not errors
            and all(r["ok"] and r["settled_ok"] for r in races)
            and not checks["check_ledger"]
            and not checks["stock_mismatches"]
            and checks["unbalanced_transactions"] == 0
            and all(v["sum"] == 0 for v in checks["entries_per_currency"].values())
        )
        out["correct"] = ok
        c1 = results[1]["graphql"]
        top = results[max(levels)]
        print(
            f"\ntargets: GraphQL/bare orders/s at concurrency 1 "
            f"x{c1['orders_per_s'] / results[1]['bare']['orders_per_s']:.2f}, at "
            f"{max(levels)} x{top['graphql']['orders_per_s'] / top['bare']['orders_per_s']:.2f} "
            f"(>= x0.70); GraphQL p95 at concurrency 1 {c1['p95']:.1f} ms for buy + pay, "
            f"{c1['buy_p95']:.1f} ms for the order's creation (< 50 ms); races "
            f"{sum(r['ok'] for r in races)}/{len(races)} exact; correctness "
            f"{'OK' if ok else 'FAILED'}",
            flush=True,
        )
    finally:
        await sides.close()
        await db.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--listings", type=int, default=200)
    parser.add_argument("--sellers", type=int, default=20)
    parser.add_argument("--buyers", type=int, default=100, help="buyers of part (a)")
    parser.add_argument("--purchases", type=int, default=240, help="per side and concurrency")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--blocks", type=int, default=4, help="alternating blocks per phase")
    parser.add_argument("--max-seconds", type=float, default=120, help="per side and phase")
    parser.add_argument("--warmup", type=int, default=20, help="purchases per side")
    parser.add_argument("--profile", type=int, default=20, help="purchases counted per side")
    parser.add_argument("--race-buyers", type=int, default=200)
    parser.add_argument("--race-items", type=int, default=10)
    parser.add_argument("--race-concurrency", type=int, default=200)
    parser.add_argument("--race-repeats", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--json", help="results file (default var/bench/runs/purchases-*.json)")
    args = parser.parse_args(argv)

    import_models()
    url, name = create_database()
    print(f"database {name} on {admin_url().render_as_string(hide_password=True)}", flush=True)
    load_before = os.getloadavg()
    try:
        migrations.upgrade(url)
        started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        out = asyncio.run(bench(args, url))
    finally:
        if args.keep:
            print(f"kept database {name}")
        else:
            drop_database(name)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 (the checkout's own git)
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    out.update(
        commit=commit,
        started=started,
        parameters=vars(args),
        machine=machine(),
        load_before=load_before,
        load_after=os.getloadavg(),
    )
    print(
        f"load average before {load_before[0]:.1f}, after {out['load_after'][0]:.1f}; "
        f"{out['machine']['cpu']}, {out['machine']['cores']} cores",
        flush=True,
    )
    path = Path(args.json) if args.json else RUNS_DIR / f"purchases-{started}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1, default=str), encoding="utf-8")
    print(f"results: {path}")
    return 0 if out["correct"] else 1


if __name__ == "__main__":
    sys.exit(main())
