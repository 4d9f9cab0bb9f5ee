"""Subscriptions over graphql-transport-ws, served by a real uvicorn (both databases).

Events reach subscribers only through the outbox relay after commit; the worker is driven by
the test (`drain`), so each delivery is caused by a committed change.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette
from ws_support import close_code, init, receive, send, serving, subscribe, ws_client

from auth_factories import ALL_MEMBER_SCOPES, create_member_with_token, member_tokens
from c2c_api.app import create_app
from c2c_api.auth.grants import revoke_member_grants
from c2c_api.authz import Actor, ActorKind
from c2c_api.broker import InProcessBroker
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.kit.clock import clock
from c2c_api.listings.models import Listing
from c2c_api.listings.service import close_listing, pause_listing
from c2c_api.users.models import Member
from engagement_support import gid, publish_through_service
from worker_support import relay

CHANGED = (
    "subscription($id: ID!) { listingChanged(id: $id) { listingId status version "
    "price { amount currency } } }"
)
MATCHED = "subscription { savedSearchMatched { listingId listingTitle savedSearchName } }"


def owner(member: Member) -> Actor:
    return Actor(kind=ActorKind.MEMBER, member_id=member.id, scopes=frozenset({"listings:write"}))


async def seller_and_listing(db: Database) -> tuple[Member, Listing]:
    seller, _ = await create_member_with_token(db, scopes=ALL_MEMBER_SCOPES)
    return seller, await publish_through_service(db, seller)


class TestListingChanged:
    async def test_an_anonymous_visitor_hears_a_committed_change(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        app, url = live
        seller, listing = await seller_and_listing(db)
        await relay(db, app)  # the publication's own events, before anyone listens
        async with ws_client(url) as ws:
            assert (await init(ws))["type"] == "connection_ack"
            await subscribe(ws, CHANGED, id=gid(listing))
            await asyncio.sleep(0.2)  # the subscription reaches the broker
            async with db.transaction() as session:
                closed = await close_listing(
                    session, owner(seller), listing_id=listing.id, expected_version=None
                )
            await relay(db, app)
            message = await receive(ws)
        assert message["type"] == "next"
        change = message["payload"]["data"]["listingChanged"]
        assert change["listingId"] == gid(listing)
        assert change["status"] == "CLOSED"
        assert change["version"] == closed.version
        assert change["price"] == {"amount": 2500, "currency": "EUR"}

    async def test_a_rolled_back_change_is_never_heard(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        app, url = live
        seller, listing = await seller_and_listing(db)
        await relay(db, app)
        async with ws_client(url) as ws:
            await init(ws)
            await subscribe(ws, CHANGED, id=gid(listing))
            await asyncio.sleep(0.2)
            with pytest.raises(RuntimeError):
                async with db.transaction() as session:
                    await close_listing(
                        session, owner(seller), listing_id=listing.id, expected_version=None
                    )
                    raise RuntimeError("rolled back")
            await relay(db, app)
            with pytest.raises(TimeoutError):
                await receive(ws, timeout=0.5)

    async def test_a_change_the_subscriber_may_not_see_is_not_delivered(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        """Paused: hidden from others, seen by its owner."""
        app, url = live
        seller, listing = await seller_and_listing(db)
        seller_token = (await member_tokens(db, member=seller, scopes=ALL_MEMBER_SCOPES))[
            "access_token"
        ]
        await relay(db, app)
        async with ws_client(url) as anonymous, ws_client(url) as mine:
            await init(anonymous)
            await init(mine, seller_token)
            await subscribe(anonymous, CHANGED, id=gid(listing))
            await subscribe(mine, CHANGED, id=gid(listing))
            await asyncio.sleep(0.2)
            async with db.transaction() as session:
                await pause_listing(
                    session, owner(seller), listing_id=listing.id, expected_version=None
                )
            await relay(db, app)
            seen = await receive(mine)
            assert seen["payload"]["data"]["listingChanged"]["status"] == "PAUSED"
            with pytest.raises(TimeoutError):
                await receive(anonymous, timeout=0.5)

    async def test_a_listing_one_may_not_see_is_not_found(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        _, url = live
        seller, listing = await seller_and_listing(db)
        async with db.transaction() as session:
            await pause_listing(
                session, owner(seller), listing_id=listing.id, expected_version=None
            )
        async with ws_client(url) as ws:
            await init(ws)
            await subscribe(ws, CHANGED, id=gid(listing))
            message = await receive(ws)
            assert message["type"] == "next"
            assert message["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
            assert (await receive(ws))["type"] == "complete"
            await subscribe(ws, CHANGED, op_id="2", id="bogus")
            message = await receive(ws)
            assert message["payload"]["errors"][0]["extensions"]["code"] == "INVALID_ID"


class TestAuthentication:
    async def test_a_bad_token_is_refused_with_4403(self, live: tuple[Starlette, str]) -> None:
        _, url = live
        async with ws_client(url) as ws:
            await send(ws, {"type": "connection_init", "payload": {"Authorization": "Bearer x"}})
            assert await close_code(ws) == 4403

    async def test_an_expired_token_is_refused_with_4403(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        _, url = live
        _, token = await create_member_with_token(db, scopes=ALL_MEMBER_SCOPES)
        clock.advance(timedelta(hours=2))
        async with ws_client(url) as ws:
            await send(ws, {"type": "connection_init", "payload": {"token": token}})
            assert await close_code(ws) == 4403

    async def test_a_revoked_token_is_refused_with_4403(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        _, url = live
        member, token = await create_member_with_token(db, scopes=ALL_MEMBER_SCOPES)
        async with db.transaction() as session:
            await revoke_member_grants(session, member_id=member.id)
        async with ws_client(url) as ws:
            await send(
                ws, {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
            )
            assert await close_code(ws) == 4403

    async def test_an_unknown_field_is_a_validation_error(
        self, live: tuple[Starlette, str]
    ) -> None:
        _, url = live
        async with ws_client(url) as ws:
            await init(ws)
            await subscribe(ws, "subscription { everything }")
            message = await receive(ws)
            assert message["type"] == "error"
            assert message["payload"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
            await subscribe(ws, CHANGED, op_id="2", id="bogus")  # the connection goes on
            assert (await receive(ws))["id"] == "2"

    async def test_a_subscribe_before_init_is_refused_with_4401(
        self, live: tuple[Starlette, str]
    ) -> None:
        _, url = live
        async with ws_client(url) as ws:
            await subscribe(ws, MATCHED)
            assert await close_code(ws) == 4401

    async def test_a_client_that_never_inits_is_closed_with_4408(
        self, live: tuple[Starlette, str]
    ) -> None:
        _, url = live
        async with ws_client(url) as ws:
            assert await close_code(ws) == 4408

    async def test_scopes_are_checked_like_every_field(self, live: tuple[Starlette, str]) -> None:
        _, url = live
        async with ws_client(url) as ws:
            await init(ws)
            await subscribe(ws, MATCHED)
            message = await receive(ws)
            assert message["type"] == "error"
            assert message["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    async def test_an_expiring_token_ends_the_connection_with_4401(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        _, url = live
        _, token = await create_member_with_token(db, scopes=ALL_MEMBER_SCOPES)
        async with ws_client(url) as ws:
            assert (await init(ws, token))["type"] == "connection_ack"
            await subscribe(ws, MATCHED)
            clock.advance(timedelta(hours=1))
            assert await close_code(ws, timeout=5) == 4401


class TestConnections:
    async def test_the_server_pings(self, db: Database, settings: Settings) -> None:
        app = create_app(
            settings.model_copy(update={"worker_in_process": False, "ws_keepalive_interval": 0.1}),
            db=db,
        )
        async with serving(app) as url, ws_client(url) as ws:
            await init(ws)
            assert (await receive(ws, skip_pings=False))["type"] == "ping"

    async def test_the_subscription_cap(self, db: Database, settings: Settings) -> None:
        app = create_app(
            settings.model_copy(update={"worker_in_process": False, "ws_max_subscriptions": 2}),
            db=db,
        )
        _, listing = await seller_and_listing(db)
        async with serving(app) as url, ws_client(url) as ws:
            await init(ws)
            for op in ("1", "2", "3"):
                await subscribe(ws, CHANGED, op_id=op, id=gid(listing))
            message = await receive(ws)
            assert message["type"] == "error" and message["id"] == "3"

    async def test_abrupt_disconnects_leave_nothing_behind(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        app, url = live
        _, listing = await seller_and_listing(db)
        broker = app.state.broker
        assert isinstance(broker, InProcessBroker)
        channel = f"listing:{listing.id}"
        before = len(asyncio.all_tasks())
        for _ in range(100):
            async with ws_client(url) as ws:
                await init(ws)
                await subscribe(ws, CHANGED, id=gid(listing))
                while broker.subscriber_count(channel) == 0:
                    await asyncio.sleep(0.005)
                ws.transport.abort()  # no close frame: the client is just gone
        for _ in range(200):
            if app.state.graphql_ws.open_connections == 0 and not broker.subscriber_count(channel):
                break
            await asyncio.sleep(0.05)
        assert app.state.graphql_ws.open_connections == 0
        assert broker.subscriber_count(channel) == 0
        await asyncio.sleep(0.2)
        assert len(asyncio.all_tasks()) <= before

    async def test_idle_subscribers_hold_no_pooled_connection(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        """Each operation ends its reads when it ends (and a subscription while it waits):
        sockets that ran queries and subscriptions do not starve the pool."""
        app, url = live
        _, listing = await seller_and_listing(db)
        pool = app.state.db.engine.pool
        async with ws_client(url) as a, ws_client(url) as b, ws_client(url) as c:
            for n, ws in enumerate((a, b, c)):
                await init(ws)
                await subscribe(ws, CHANGED, op_id=f"s{n}", id=gid(listing))
                await asyncio.sleep(0.1)
                await subscribe(ws, "{ listings { totalCount } }", op_id=f"q{n}")
                assert (await receive(ws))["type"] == "next"
                assert (await receive(ws))["type"] == "complete"
                await subscribe(ws, CHANGED, op_id=f"bad{n}", id="bogus")
                assert (await receive(ws))["id"] == f"bad{n}"
            await asyncio.sleep(0.3)
            assert pool.checkedout() == 0

    @pytest.mark.parametrize(
        "frame",
        [
            '{"type": "connection_init", "payload": {"n": ' + "9" * 5000 + "}}",
            '{"type": "connection_init", "payload": ' + "[" * 100_000 + "]" * 100_000 + "}",
        ],
        ids=["huge-int", "deep-array"],
    )
    async def test_an_unreadable_frame_closes_with_4400(
        self, live: tuple[Starlette, str], frame: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        _, url = live
        async with ws_client(url) as ws:
            await ws.send(frame)
            assert await close_code(ws) == 4400
        assert not [r for r in caplog.records if r.levelname == "ERROR"]


class TestBudgetsOverWebSocket:
    async def test_queries_over_a_socket_spend_the_budget(
        self, db: Database, settings: Settings
    ) -> None:
        app = create_app(
            settings.model_copy(
                update={
                    "worker_in_process": False,
                    "graphql_budget_capacity_anonymous": 500,
                    "graphql_budget_refill_anonymous": 0.001,
                }
            ),
            db=db,
        )
        query = "{ listings(first: 1) { totalCount } }"
        codes: list[str] = []
        async with serving(app) as url, ws_client(url) as ws:
            await init(ws)
            for n in range(5):
                await subscribe(ws, query, op_id=str(n))
                message = await receive(ws)
                if message["type"] == "error":
                    codes.append(message["payload"][0]["extensions"]["code"])
                else:
                    assert "budget" in message["payload"]["extensions"]["cost"]
                    await receive(ws)  # complete
        assert "RATE_LIMITED" in codes


async def test_a_subscription_over_http_is_a_request_error(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        json={"query": MATCHED},
        headers={"accept": "application/graphql-response+json"},
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "WebSocket" in error["message"]
