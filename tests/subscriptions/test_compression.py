"""`c2c-api serve` refuses WebSocket compression unless C2C_WS_COMPRESSION is on: a client that
offers permessage-deflate (as browsers and the `websockets` library do) gets plain frames."""

from __future__ import annotations

import os

import pytest
from test_two_processes import free_port, process, until_ready
from websockets.asyncio.client import connect

from c2c_api.db import Database

PROTOCOL = "graphql-transport-ws"


@pytest.mark.parametrize(("setting", "negotiated"), [(None, False), ("true", True)])
async def test_compression_is_negotiated_only_when_turned_on(
    db: Database, setting: str | None, negotiated: bool
) -> None:
    if not db.settings.is_sqlite:
        pytest.skip("the server's option, not the database's: run once, on the embedded default")
    port = free_port()
    env = {
        **os.environ,
        "C2C_DATABASE_URL": db.settings.database_url,
        "C2C_WORKER_IN_PROCESS": "false",
        "C2C_LOG_JSON": "false",
    }
    if setting is not None:
        env["C2C_WS_COMPRESSION"] = setting
    with process(["-m", "c2c_api", "serve", "--port", str(port)], env):
        await until_ready(port)
        async with connect(
            f"ws://127.0.0.1:{port}/graphql",
            subprotocols=[PROTOCOL],  # type: ignore[list-item]
            compression="deflate",  # offered, as a browser does
        ) as ws:
            offered = ws.request.headers.get("Sec-WebSocket-Extensions", "") if ws.request else ""
            answered = ws.response.headers.get("Sec-WebSocket-Extensions") if ws.response else None
    assert "permessage-deflate" in offered
    assert (answered is not None and "permessage-deflate" in answered) is negotiated
