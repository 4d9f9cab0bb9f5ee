"""Two members converse over HTTP while a graphql-transport-ws client (the `websockets`
library, as a third-party client would) watches: messages and read markers arrive live."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from starlette.applications import Starlette

from auth_factories import bearer, create_member_with_token
from c2c_api.db import Database
from deals_support import listing
from engagement_support import listing_gid
from subscriptions.ws_support import init, receive, subscribe, ws_client
from worker_support import relay

SCOPES = ["account:read", "offers:write", "orders:write", "messages:write"]
WATCH = """subscription($t: ID) { messageReceived(threadId: $t) {
  id seq kind text event fromViewer sender { displayName } } }"""
READS = "subscription($t: ID) { threadUpdated(threadId: $t) { id counterpartReadUpTo } }"
SEND = """mutation($l: ID, $t: ID, $text: String!) { sendMessage(listingId: $l, threadId: $t,
  text: $text) { __typename ... on SendMessageSuccess { thread { id } sentMessage { id } } } }"""


async def post(url: str, token: str, query: str, **variables: Any) -> dict[str, Any]:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            url.replace("ws://", "http://"),
            json={"query": query, "variables": variables},
            headers=bearer(token),
        )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


class TestLiveConversation:
    async def test_the_seller_watches_while_the_buyer_writes(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        app, url = live
        seller, seller_token = await create_member_with_token(db, scopes=SCOPES)
        buyer, buyer_token = await create_member_with_token(db, scopes=SCOPES)
        item = await listing(db, seller)
        async with ws_client(url) as ws:
            assert (await init(ws, seller_token))["type"] == "connection_ack"
            await subscribe(ws, WATCH)
            await asyncio.sleep(0.2)  # the subscription reaches the broker
            sent = await post(url, buyer_token, SEND, l=listing_gid(item), text="Still there?")
            await relay(db, app)
            message = await receive(ws)
            thread_id = sent["sendMessage"]["thread"]["id"]
            await post(url, seller_token, SEND, t=thread_id, text="Yes")
            await relay(db, app)
            own = await receive(ws)
        assert message["type"] == "next", message
        assert message["payload"]["data"]["messageReceived"] == {
            "id": sent["sendMessage"]["sentMessage"]["id"],
            "seq": 1,
            "kind": "TEXT",
            "text": "Still there?",
            "event": None,
            "fromViewer": False,
            "sender": {"displayName": buyer.display_name},
        }
        assert own["payload"]["data"]["messageReceived"]["fromViewer"] is True

    async def test_read_markers_arrive_live(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        app, url = live
        seller, seller_token = await create_member_with_token(db, scopes=SCOPES)
        _, buyer_token = await create_member_with_token(db, scopes=SCOPES)
        item = await listing(db, seller)
        sent = await post(url, buyer_token, SEND, l=listing_gid(item), text="Hello")
        thread_id = sent["sendMessage"]["thread"]["id"]
        await relay(db, app)
        async with ws_client(url) as ws:
            await init(ws, buyer_token)
            await subscribe(ws, READS, t=thread_id)
            await asyncio.sleep(0.2)
            await post(
                url,
                seller_token,
                "mutation($t: ID!) { markThreadRead(threadId: $t) { __typename } }",
                t=thread_id,
            )
            await relay(db, app)
            message = await receive(ws)
        assert message["payload"]["data"]["threadUpdated"] == {
            "id": thread_id,
            "counterpartReadUpTo": 1,
        }

    async def test_a_stranger_cannot_watch_a_thread(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        _, url = live
        seller, _ = await create_member_with_token(db, scopes=SCOPES)
        _, buyer_token = await create_member_with_token(db, scopes=SCOPES)
        _, stranger_token = await create_member_with_token(db, scopes=SCOPES)
        sent = await post(
            url, buyer_token, SEND, l=listing_gid(await listing(db, seller)), text="x"
        )
        async with ws_client(url) as ws:
            await init(ws, stranger_token)
            await subscribe(ws, WATCH, t=sent["sendMessage"]["thread"]["id"])
            message = await receive(ws)
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "THREAD_NOT_FOUND"
