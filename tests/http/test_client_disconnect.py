"""A client that disconnects mid-body: an info line, a 499 in the metrics, no traceback."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from auth_factories import bearer, create_member_with_token
from c2c_api.db import Database
from c2c_api.observability import REGISTRY


def _count(route: str, status: str) -> float:
    value = REGISTRY.get_sample_value(
        "c2c_http_requests_total", {"method": "POST", "route": route, "status": status}
    )
    return value or 0.0


def _first_chunk(content_type: bytes) -> bytes:
    if content_type.startswith(b"multipart/"):
        return (
            b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n\xff\xd8'
        )
    return b'{"query": "{ categ'


async def _post_then_vanish(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> list[Any]:
    """POST a first chunk of a longer body, then disconnect; the messages the app sent."""
    incoming = [
        {
            "type": "http.request",
            "body": _first_chunk(dict(headers)[b"content-type"]),
            "more_body": True,
        },
        {"type": "http.disconnect"},
    ]
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"content-length", b"5000"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    await app(scope, receive, send)
    return sent


class TestClientDisconnect:
    @pytest.mark.parametrize(
        ("path", "content_type"),
        [
            ("/graphql", b"application/json"),
            ("/graphql", b"multipart/form-data; boundary=x"),
            ("/v1/photos", b"multipart/form-data; boundary=x"),
        ],
    )
    async def test_logged_at_info_and_counted_as_499(
        self,
        app: Any,
        db: Database,
        caplog: pytest.LogCaptureFixture,
        path: str,
        content_type: bytes,
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["listings:write"])
        auth = bearer(token)["Authorization"].encode()
        headers = [(b"content-type", content_type), (b"authorization", auth)]
        before_499 = _count(path, "499")
        before_500 = _count(path, "500")
        with caplog.at_level(logging.DEBUG):
            await _post_then_vanish(app, path, headers)
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
        assert not [r for r in caplog.records if r.exc_info], caplog.text
        assert _count(path, "499") == before_499 + 1
        assert _count(path, "500") == before_500
