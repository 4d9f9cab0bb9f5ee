"""RFC 9457 problem details: domain errors by status table, masked 500s, JSON 404/405."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from c2c_api import errors, observability
from c2c_api.rest.problems import UnexpectedErrorMiddleware, exception_handlers

PROBLEM = "application/problem+json"


def raising(exc: Exception):  # type: ignore[no-untyped-def]
    async def endpoint(request: Request) -> Response:
        raise exc

    return endpoint


CASES = [
    (errors.NotFound(), 404, "NOT_FOUND"),
    (errors.Forbidden(), 403, "FORBIDDEN"),
    (errors.Unauthenticated(), 401, "UNAUTHENTICATED"),
    (errors.InsufficientScope([["account:write"]]), 403, "INSUFFICIENT_SCOPE"),
    (errors.InvalidInput(fields=["email"]), 422, "INVALID_INPUT"),
    (errors.WeakPassword(fields=["password"]), 422, "WEAK_PASSWORD"),
    (errors.Conflict(), 409, "CONFLICT"),
    (errors.EmailTaken(), 409, "EMAIL_TAKEN"),
    (errors.InvalidState(), 409, "INVALID_STATE"),
    (errors.RateLimited(context={"retry_after": 30}), 429, "RATE_LIMITED"),
    (errors.AccountSuspended(), 403, "ACCOUNT_SUSPENDED"),
]


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    routes = [Route(f"/e/{i}", raising(exc)) for i, (exc, _, _) in enumerate(CASES)]
    routes.append(Route("/bug", raising(KeyError("secret-key-name"))))
    routes.append(Route("/only-get", raising(errors.NotFound()), methods=["GET"]))
    app = Starlette(
        routes=routes,
        middleware=[*observability.middleware(), Middleware(UnexpectedErrorMiddleware)],
        exception_handlers=exception_handlers(),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


class TestDomainErrors:
    @pytest.mark.parametrize(
        ("index", "status", "code"), [(i, s, c) for i, (_, s, c) in enumerate(CASES)]
    )
    async def test_map_to_their_status(
        self, api: httpx.AsyncClient, index: int, status: int, code: str
    ) -> None:
        response = await api.get(f"/e/{index}", headers={"x-request-id": "p-1"})
        assert response.status_code == status
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert body["status"] == status
        assert body["code"] == code
        assert body["type"] == "about:blank"
        assert body["title"]
        assert body["detail"]
        assert body["requestId"] == "p-1"

    async def test_invalid_input_names_the_fields(self, api: httpx.AsyncClient) -> None:
        assert (await api.get("/e/4")).json()["fields"] == ["email"]

    async def test_detail_is_translated(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/e/0", headers={"accept-language": "fr-FR,fr;q=0.9"})
        assert response.json()["detail"] == "Introuvable."

    async def test_auth_errors_carry_www_authenticate(self, api: httpx.AsyncClient) -> None:
        assert (await api.get("/e/2")).headers["www-authenticate"] == "Bearer"
        assert (await api.get("/e/3")).headers["www-authenticate"] == (
            'Bearer error="insufficient_scope", scope="account:write"'
        )

    async def test_rate_limited_says_when_to_retry(self, api: httpx.AsyncClient) -> None:
        assert (await api.get("/e/9")).headers["retry-after"] == "30"


class TestUnexpectedError:
    async def test_is_a_masked_500_logged_with_the_request_id(
        self, api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO):
            response = await api.get("/bug", headers={"x-request-id": "bug-1"})
        assert response.status_code == 500
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["x-request-id"] == "bug-1"
        body = response.json()
        assert body == {
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": 500,
            "detail": "Internal server error.",
            "requestId": "bug-1",
        }
        assert "secret" not in response.text
        [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert record.request_id == "bug-1"  # type: ignore[attr-defined]
        assert record.exc_info is not None and isinstance(record.exc_info[1], KeyError)


class TestUnknownRoutes:
    async def test_404_is_a_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/no/such/thing")
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["detail"] == "No resource at /no/such/thing"

    async def test_405_is_a_problem_with_allow(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/healthz")
        assert response.status_code == 405
        assert response.headers["content-type"] == PROBLEM
        assert "GET" in response.headers["allow"]
        assert response.json()["status"] == 405
