"""Identical subscriptions of the same caller run once per process (graphql/shared_streams.py):
each connection still gets every result under its own operation id, callers never share, and
the last one to leave stops the subscription."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection

from auth_factories import ALL_ADMIN_SCOPES, ALL_MEMBER_SCOPES, create_member, create_oauth_client
from auth_factories import member_tokens as issue
from c2c_api.app import create_app
from c2c_api.broker import InProcessBroker
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.graphql.ws import GraphQLWebSocket
from c2c_api.users.models import Member
from conversations.test_conversations_live import SEND, post
from deals_support import listing
from engagement_support import listing_gid
from subscriptions.ws_support import init, receive, send, serving, subscribe, ws_client
from worker_support import relay

SCOPES = ["account:read", "messages:write"]
WATCH = "subscription { messageReceived { id text fromViewer } }"


async def devices(
    db: Database, member: Member, count: int, scopes: list[str] = SCOPES
) -> list[str]:
    """`count` access tokens of `member` through one front end (one OAuth client), as a member
    signed in on several devices holds."""
    client, _ = await create_oauth_client(
        db, scopes=[*ALL_MEMBER_SCOPES, *ALL_ADMIN_SCOPES], first_party=True
    )
    return [
        (await issue(db, member=member, scopes=scopes, client=client))["access_token"]
        for _ in range(count)
    ]


async def until(condition: Any, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


def members(view: GraphQLWebSocket) -> int:
    """Operations joined to the running groups, all of them."""
    return sum(view.shared.member_count(key) for key in view.shared.group_keys())


def ws_view(app: Starlette) -> GraphQLWebSocket:
    view = app.state.graphql_ws
    assert isinstance(view, GraphQLWebSocket)
    return view


async def watching(ws: ClientConnection, token: str, *op_ids: str) -> None:
    assert (await init(ws, token))["type"] == "connection_ack"
    for op_id in op_ids:
        await subscribe(ws, WATCH, op_id=op_id)


async def seller_on_two_devices(db: Database) -> tuple[Member, str, str, str]:
    """A seller signed in on a phone and a laptop, and a buyer's token."""
    seller, buyer = await create_member(db), await create_member(db)
    phone, laptop = await devices(db, seller, 2)
    [buyer_token] = await devices(db, buyer, 1, scopes=[*SCOPES, "offers:write"])
    return seller, phone, laptop, buyer_token


def in_process_broker(app: Starlette) -> InProcessBroker:
    broker = app.state.broker
    assert isinstance(broker, InProcessBroker)
    return broker


class TestSharedExecution:
    async def test_one_member_on_many_connections_is_executed_once(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        app, url = live
        seller, phone, laptop, buyer_token = await seller_on_two_devices(db)
        broker = in_process_broker(app)
        async with ws_client(url) as a, ws_client(url) as b, ws_client(url) as c:
            await watching(a, phone, "1")
            await watching(b, laptop, "1")
            await watching(c, laptop, "tab-1", "tab-2")  # two operations on one connection
            view = ws_view(app)
            # every operation joined, and the execution listens on the broker
            await until(lambda: members(view) == 4)
            await until(lambda: broker.subscriber_count(f"member:{seller.id}") == 1)
            assert view.shared.group_count() == 1  # four operations, one execution
            sent = await post(
                url, buyer_token, SEND, l=listing_gid(await listing(db, seller)), text="Hi"
            )
            await relay(db, app)
            got = {
                "a": [await receive(a)],
                "b": [await receive(b)],
                "c": sorted([await receive(c), await receive(c)], key=lambda m: m["id"]),
            }
        expected = {
            "id": sent["sendMessage"]["sentMessage"]["id"],
            "text": "Hi",
            "fromViewer": False,
        }
        assert [m["id"] for m in got["c"]] == ["tab-1", "tab-2"]
        frames = [frame for frames in got.values() for frame in frames]
        assert {frame["type"] for frame in frames} == {"next"}
        assert frames[0]["payload"]["data"] == {"messageReceived": expected}
        assert all(frame["payload"] == frames[0]["payload"] for frame in frames)

    async def test_different_callers_never_share(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        """The same document of the seller, of the buyer, and of the seller through a token
        without the scope: three executions, each with its caller's answer."""
        app, url = live
        seller, buyer = await create_member(db), await create_member(db)
        [seller_token] = await devices(db, seller, 1)
        [buyer_token] = await devices(db, buyer, 1, scopes=[*SCOPES, "offers:write"])
        [unscoped] = await devices(db, seller, 1, scopes=["account:read"])
        async with ws_client(url) as s, ws_client(url) as b, ws_client(url) as u:
            await watching(s, seller_token, "1")
            await watching(b, buyer_token, "1")
            await watching(u, unscoped, "1")
            refused = await receive(u)
            broker = in_process_broker(app)
            await until(lambda: ws_view(app).shared.group_count() == 2)
            await until(lambda: broker.subscriber_count(f"member:{seller.id}") == 1)
            await until(lambda: broker.subscriber_count(f"member:{buyer.id}") == 1)
            sent = await post(
                url, buyer_token, SEND, l=listing_gid(await listing(db, seller)), text="Hi"
            )
            await relay(db, app)
            to_seller, to_buyer = await receive(s), await receive(b)
        message_id = sent["sendMessage"]["sentMessage"]["id"]
        assert to_seller["payload"]["data"]["messageReceived"] == {
            "id": message_id,
            "text": "Hi",
            "fromViewer": False,
        }
        assert to_buyer["payload"]["data"]["messageReceived"] == {
            "id": message_id,
            "text": "Hi",
            "fromViewer": True,
        }
        errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"

    async def test_the_last_one_to_leave_stops_the_subscription(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        app, url = live
        seller, phone, laptop, buyer_token = await seller_on_two_devices(db)
        broker = in_process_broker(app)
        channel = f"member:{seller.id}"
        view = ws_view(app)
        item = listing_gid(await listing(db, seller))
        async with ws_client(url) as a:
            await watching(a, phone, "1")
            async with ws_client(url) as b:
                await watching(b, laptop, "1", "2")
                await until(lambda: members(view) == 3)
                await until(lambda: broker.subscriber_count(channel) == 1)
                await send(b, {"id": "1", "type": "complete"})  # one operation leaves
                b.transport.abort()  # then its whole connection, abruptly
            await post(url, buyer_token, SEND, l=item, text="Still listening?")
            await relay(db, app)
            frame = await receive(a)
            assert frame["payload"]["data"]["messageReceived"]["text"] == "Still listening?"
            assert view.shared.group_count() == 1
            await send(a, {"id": "1", "type": "complete"})
            await until(lambda: view.shared.group_count() == 0)
            await until(lambda: broker.subscriber_count(channel) == 0)
            # A new operation after that starts a new execution that hears new messages.
            await subscribe(a, WATCH, op_id="again")
            await until(lambda: broker.subscriber_count(channel) == 1)
            await post(url, buyer_token, SEND, l=item, text="Back")
            await relay(db, app)
            again = await receive(a)
        assert again["id"] == "again"
        assert again["payload"]["data"]["messageReceived"]["text"] == "Back"


class TestBudgets:
    async def test_each_shared_operation_spends_its_callers_budget(
        self, db: Database, settings: Settings
    ) -> None:
        """Joining a running subscription costs what subscribing alone costs: past the
        budget, an operation is refused with RATE_LIMITED and does not join."""
        app = create_app(
            settings.model_copy(
                update={
                    "worker_in_process": False,
                    "ws_max_subscriptions": 100,
                    "graphql_budget_capacity_anonymous": 20,
                    "graphql_budget_refill_anonymous": 0.001,
                }
            ),
            db=db,
        )
        seller = await create_member(db)
        item = listing_gid(await listing(db, seller))
        watch = "subscription($id: ID!) { listingChanged(id: $id) { listingId status } }"
        refused: list[str] = []
        async with serving(app) as url, ws_client(url) as ws:
            await init(ws)
            for n in range(30):
                await subscribe(ws, watch, op_id=str(n), id=item)
            view = ws_view(app)

            def joined() -> int:
                keys = view.shared.group_keys()
                return view.shared.member_count(keys[0]) if keys else 0

            # Every operation either joined or was refused (its error frame): wait for all 30.
            for _ in range(200):
                if len(refused) + joined() == 30:
                    break
                try:
                    message = await receive(ws, timeout=0.05)
                except TimeoutError:
                    continue
                assert message["type"] == "error", message
                refused.append(message["payload"][0]["extensions"]["code"])
            assert view.shared.group_count() == 1
            joined_count = joined()
        assert refused and set(refused) == {"RATE_LIMITED"}
        assert joined_count == 30 - len(refused)
        assert 0 < joined_count < 30
