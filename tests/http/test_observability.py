"""Health, readiness, request ids, structured logs and Prometheus metrics (docs/operations.md)."""

from __future__ import annotations

import json
import logging
import re

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from c2c_api import observability
from c2c_api.app import create_app
from c2c_api.config import Settings
from c2c_api.logging import RequestIdFilter, configure_logging, request_id_var

HEX_ID = re.compile(r"[0-9a-f]{32}")


def sample(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0.0


async def metrics_text(client: httpx.AsyncClient) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


class TestReadiness:
    @pytest.mark.parametrize(
        "url",
        [
            "postgresql+asyncpg://nobody@127.0.0.1:1/nowhere",
            "sqlite+aiosqlite:////nonexistent-dir/c2c.sqlite3",
        ],
    )
    async def test_is_503_when_the_database_is_unreachable(self, url: str) -> None:
        app = create_app(Settings(database_url=url, env="test"))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.get("/readyz")
            assert response.status_code == 503
            assert response.json()["database"] == "unreachable"
            assert (await c.get("/healthz")).status_code == 200
        await app.state.db.dispose()

    async def test_is_200_when_it_answers(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"


class TestRequestId:
    async def test_a_sane_caller_id_is_kept_and_echoed(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz", headers={"x-request-id": "lb-1234.abc:5"})
        assert response.headers["x-request-id"] == "lb-1234.abc:5"

    @pytest.mark.parametrize("given", ["", "has space", "x" * 129, 'quo"te', "-leading", "é"])
    async def test_an_insane_one_is_replaced(self, client: httpx.AsyncClient, given: str) -> None:
        response = await client.get("/healthz", headers={"x-request-id": given.encode()})
        assert HEX_ID.fullmatch(response.headers["x-request-id"])

    async def test_one_is_made_when_absent(self, client: httpx.AsyncClient) -> None:
        first = await client.get("/healthz")
        second = await client.get("/healthz")
        assert HEX_ID.fullmatch(first.headers["x-request-id"])
        assert first.headers["x-request-id"] != second.headers["x-request-id"]

    async def test_every_log_line_of_the_request_carries_it(self) -> None:
        seen: list[logging.LogRecord] = []

        class Keep(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                seen.append(record)

        async def route(request: Request) -> JSONResponse:
            logging.getLogger("somewhere.else").warning("inside the request")
            return JSONResponse({"state": request.scope["state"]["request_id"]})

        handler = Keep()
        handler.addFilter(RequestIdFilter())
        logger = logging.getLogger("somewhere.else")
        logger.addHandler(handler)
        try:
            app = Starlette(routes=[Route("/", route)], middleware=observability.middleware())
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                response = await c.get("/", headers={"x-request-id": "abc-1"})
        finally:
            logger.removeHandler(handler)
        assert response.json() == {"state": "abc-1"}
        assert [r.request_id for r in seen] == ["abc-1"]  # type: ignore[attr-defined]
        assert request_id_var.get() == ""


class TestAccessLog:
    async def test_one_line_per_request(
        self, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO, logger="c2c_api.access"):
            response = await client.get("/nowhere", headers={"x-request-id": "acc-1"})
        [record] = [r for r in caplog.records if r.name == "c2c_api.access"]
        assert record.getMessage() == "GET /nowhere 404"
        assert record.method == "GET"  # type: ignore[attr-defined]
        assert record.path == "/nowhere"  # type: ignore[attr-defined]
        assert record.status == 404  # type: ignore[attr-defined]
        assert record.request_id == "acc-1"  # type: ignore[attr-defined]
        assert record.duration_ms >= 0  # type: ignore[attr-defined]
        assert response.status_code == 404

    def test_json_lines_carry_the_request_id(self, capsys: pytest.CaptureFixture[str]) -> None:
        root = logging.getLogger()
        saved = root.handlers[:], root.level
        try:
            configure_logging(Settings(log_json=True, env="test"))
            token = request_id_var.set("json-1")
            try:
                logging.getLogger("c2c_api.test").info("hello %s", "world", extra={"k": 1})
            finally:
                request_id_var.reset(token)
        finally:
            root.handlers[:], level = saved
            root.setLevel(level)
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
        assert line["message"] == "hello world"
        assert line["request_id"] == "json-1"
        assert line["level"] == "INFO"
        assert line["logger"] == "c2c_api.test"
        assert line["k"] == 1
        assert "time" in line


class TestMetrics:
    async def test_requests_are_counted_by_route_template(self, client: httpx.AsyncClient) -> None:
        before = await metrics_text(client)
        await client.get("/healthz")
        await client.get("/no/such/path/123")
        await client.get("/static/graphiql/none.js")
        after = await metrics_text(client)
        for route, status in (("/healthz", "200"), ("<unmatched>", "404"), ("/static", "404")):
            labels = {"method": "GET", "route": route, "status": status}
            assert sample(after, "c2c_http_requests_total", **labels) == (
                sample(before, "c2c_http_requests_total", **labels) + 1
            )
        assert "/no/such/path/123" not in after
        assert (
            sample(after, "c2c_http_request_duration_seconds_count", route="/healthz")
            >= sample(before, "c2c_http_request_duration_seconds_count", route="/healthz") + 1
        )

    async def test_graphql_operations_by_type_and_outcome(self, client: httpx.AsyncClient) -> None:
        cases = [
            ("{ __typename }", "query", "ok"),
            ("{ viewer { id } }", "query", "error"),
            ("{ nope }", "unknown", "rejected"),
            ("mutation { updateProfile(input: {}) { __typename } }", "mutation", "error"),
        ]
        for query, operation_type, outcome in cases:
            labels = {"operation_type": operation_type, "outcome": outcome}
            before = sample(await metrics_text(client), "c2c_graphql_operations_total", **labels)
            await client.post("/graphql", json={"query": query})
            after = sample(await metrics_text(client), "c2c_graphql_operations_total", **labels)
            assert after == before + 1, (query, labels)
