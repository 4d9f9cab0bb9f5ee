"""A real uvicorn on 127.0.0.1 in the test's event loop, and a graphql-transport-ws client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect

PROTOCOL = "graphql-transport-ws"


@asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """Serve `app` on a free port; yields its ws:// URL of /graphql."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


@asynccontextmanager
async def ws_client(url: str) -> AsyncIterator[ClientConnection]:
    async with connect(url, subprotocols=[PROTOCOL], open_timeout=5, close_timeout=2) as ws:  # type: ignore[list-item]
        yield ws


async def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(json.dumps(message))


async def receive(ws: ClientConnection, *, timeout: float = 5.0, skip_pings: bool = True) -> Any:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if skip_pings and message.get("type") == "ping":
            await send(ws, {"type": "pong"})
            continue
        return message


async def init(ws: ClientConnection, token: str | None = None) -> dict[str, Any]:
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await send(ws, {"type": "connection_init", "payload": payload})
    message: dict[str, Any] = await receive(ws)
    return message


async def subscribe(ws: ClientConnection, query: str, op_id: str = "1", **variables: Any) -> None:
    await send(
        ws,
        {"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables}},
    )


async def close_code(ws: ClientConnection, *, timeout: float = 5.0) -> int | None:
    """Wait for the server to close; the close code it sent."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    except Exception:
        pass
    return ws.close_code
