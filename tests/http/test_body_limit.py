"""Request bodies over C2C_MAX_BODY_BYTES are refused with 413 on every route."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from c2c_api.app import create_app
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.rest.body_limit import BodyLimitMiddleware

LIMIT = 2048


@pytest.fixture
async def small(db: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"max_body_bytes": LIMIT}), db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        yield c


async def chunks(total: int, size: int = 512) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


def big_query(size: int) -> dict[str, str]:
    return {"query": "{ __typename }" + " " * size}


class TestDeclaredLength:
    async def test_graphql_over_the_limit_is_413(self, small: httpx.AsyncClient) -> None:
        response = await small.post("/graphql", json=big_query(LIMIT))
        assert response.status_code == 413
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "REQUEST_TOO_LARGE"

    async def test_graphql_at_the_limit_runs(self, small: httpx.AsyncClient) -> None:
        body = big_query(0)
        padding = LIMIT - len(httpx.Request("POST", "/", json=body).content)
        response = await small.post("/graphql", json=big_query(padding))
        assert response.status_code == 200
        assert response.json()["data"] == {"__typename": "Query"}  # and extensions.cost

    async def test_any_other_route_gets_a_problem(self, small: httpx.AsyncClient) -> None:
        response = await small.post("/healthz", content=b"x" * (LIMIT + 1))
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == 413
        assert body["code"] == "REQUEST_TOO_LARGE"
        assert body["requestId"] == response.headers["x-request-id"]

    async def test_unknown_routes_too(self, small: httpx.AsyncClient) -> None:
        response = await small.put("/nowhere", content=b"x" * (LIMIT + 1))
        assert response.status_code == 413

    async def test_default_is_one_mebibyte(self, client: httpx.AsyncClient) -> None:
        assert Settings().max_body_bytes == 1024 * 1024
        response = await client.post("/graphql", json=big_query(1024 * 1024))
        assert response.status_code == 413


class TestStreamedBody:
    async def test_chunked_graphql_body_over_the_limit_is_413(
        self, small: httpx.AsyncClient
    ) -> None:
        response = await small.post(
            "/graphql",
            content=chunks(LIMIT * 3),
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 413
        assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"

    async def test_chunked_body_under_the_limit_passes(self, small: httpx.AsyncClient) -> None:
        async def body() -> AsyncIterator[bytes]:
            yield b'{"query": '
            yield b'"{ __typename }"}'

        response = await small.post(
            "/graphql", content=body(), headers={"content-type": "application/json"}
        )
        assert response.status_code == 200

    async def test_an_app_that_swallows_the_error_still_answers_413(self) -> None:
        async def greedy(request: Request) -> JSONResponse:
            try:
                await request.body()
            except Exception:
                return JSONResponse({"swallowed": True})
            return JSONResponse({"read": True})

        app = BodyLimitMiddleware(
            Starlette(routes=[Route("/", greedy, methods=["POST"])]), max_body_bytes=LIMIT
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.post("/", content=chunks(LIMIT * 2))
            assert response.status_code == 413
            response = await c.post("/", content=chunks(LIMIT))
            assert response.json() == {"read": True}
