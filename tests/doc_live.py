"""A page's subscriptions run live (doc_pages.Live): each over its own graphql-transport-ws
connection to the test's real uvicorn (conftest `live`), events delivered by the outbox relay
(worker_support.relay)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection

from c2c_api.broker import InProcessBroker
from c2c_api.db import Database
from doc_pages import Compare, run_page
from subscriptions.ws_support import init, receive, send, ws_client
from worker_support import relay


class _Subscription:
    def __init__(self, ws: ClientConnection, op_id: str) -> None:
        self.ws = ws
        self.op_id = op_id

    async def next_payload(self) -> dict[str, Any]:
        message = await receive(self.ws, timeout=5.0)
        assert message.get("id") == self.op_id and message["type"] == "next", message
        payload: dict[str, Any] = message["payload"]
        return payload


class LiveApp:
    """doc_pages.Live on the app the `live` fixture serves; its connections close with
    `stack`."""

    def __init__(self, db: Database, app: Starlette, url: str, stack: AsyncExitStack) -> None:
        self.db, self.app, self.url, self.stack = db, app, url, stack
        self._ids = itertools.count(1)
        broker = app.state.broker
        assert isinstance(broker, InProcessBroker)
        self.broker = broker

    async def subscribe(
        self, token: str | None, document: str, variables: dict[str, Any]
    ) -> _Subscription:
        before = self.broker.total_subscribers()
        ws = await self.stack.enter_async_context(ws_client(self.url))
        assert (await init(ws, token))["type"] == "connection_ack"
        op_id = f"doc-{next(self._ids)}"
        payload = {"query": document, "variables": variables}
        await send(ws, {"id": op_id, "type": "subscribe", "payload": payload})
        for _ in range(500):  # until it listens on the broker
            if self.broker.total_subscribers() > before:
                return _Subscription(ws, op_id)
            await asyncio.sleep(0.01)
        raise AssertionError(f"the subscription never reached the broker: {document}")

    async def deliver(self) -> None:
        await relay(self.db, self.app)


async def run_page_live(
    db: Database,
    live: tuple[Starlette, str],
    page: Path,
    *,
    token_of: Callable[[str], Awaitable[str | None]],
    compare: Compare,
    captured: dict[str, Any] | None = None,
) -> None:
    """doc_pages.run_page on the app `live` serves: HTTP for queries and mutations, a
    WebSocket per subscription."""
    app, url = live
    base = url.removesuffix("/graphql").replace("ws://", "http://")
    async with AsyncExitStack() as stack, httpx.AsyncClient(base_url=base) as client:
        await run_page(
            client,
            page.read_text(encoding="utf-8"),
            page=page.name,
            token_of=token_of,
            compare=compare,
            captured=captured,
            live=LiveApp(db, app, url, stack),
        )
