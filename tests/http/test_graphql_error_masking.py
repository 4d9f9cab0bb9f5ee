"""Unexpected resolver errors are masked, logged once with the request id, and roll back.

A tiny test-only schema (same schema class and error extensions as the product schema) carries
resolvers that really fail, so the product schema gets no test fields.
"""

from __future__ import annotations

import logging

import httpx
import pytest
import sqlalchemy as sa
import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.types import Info

from c2c_api import observability
from c2c_api.db import Database
from c2c_api.errors import NotFound
from c2c_api.graphql.extensions import MarkMutations, ShapeErrors
from c2c_api.graphql.http import GraphQLEndpoint
from c2c_api.graphql.schema import C2CSchema
from c2c_api.partners.models import Partner

REQUEST_ID = "req-masking-1"
GQL = {"accept": "application/graphql-response+json", "x-request-id": REQUEST_ID}


@strawberry.type
class Query:
    @strawberry.field
    def ok(self) -> str:
        return "fine"

    @strawberry.field
    def boom(self) -> str | None:
        raise RuntimeError("secret detail: connection string postgres://x:y@db")

    @strawberry.field
    def missing(self) -> str | None:
        raise NotFound("No such thing.")


@strawberry.type
class Written:
    slug: str

    @strawberry.field
    def broken(self) -> str | None:
        raise RuntimeError("a payload field fails after the commit")


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def write_with_broken_payload(self, info: Info) -> Written:
        async with info.context.use_case() as session:
            session.add(Partner(slug="durable", name="Durable"))
        return Written(slug="durable")

    @strawberry.mutation
    async def write_then_fail(self, info: Info) -> str:
        async with info.context.use_case() as session:
            session.add(Partner(slug="ghost", name="Ghost"))
            await session.flush()
            raise ValueError("bug after a write")

    @strawberry.mutation
    async def write(self, info: Info) -> str:
        async with info.context.use_case() as session:
            session.add(Partner(slug="kept", name="Kept"))
            await session.flush()
        return "written"

    @strawberry.mutation
    async def write_without_use_case(self, info: Info) -> str:
        session = info.context.session
        session.add(Partner(slug="lost", name="Lost"))
        await session.flush()
        return "never"


@pytest.fixture
async def tiny(db: Database):  # type: ignore[no-untyped-def]
    schema = C2CSchema(query=Query, mutation=Mutation, extensions=[MarkMutations, ShapeErrors])
    app = Starlette(
        routes=[Route("/graphql", GraphQLEndpoint(schema, db), methods=["GET", "POST"])],
        middleware=observability.middleware(),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        yield c


async def partner_slugs(db: Database) -> list[str]:
    async with db.engine.connect() as conn:
        return list((await conn.execute(sa.text("SELECT slug FROM partners"))).scalars())


class TestUnexpectedResolverError:
    async def test_is_masked_with_the_request_id(self, tiny: httpx.AsyncClient) -> None:
        response = await tiny.post("/graphql", json={"query": "{ ok boom }"}, headers=GQL)
        assert response.status_code == 200
        body = response.json()
        assert body["data"] == {"ok": "fine", "boom": None}
        [error] = body["errors"]
        assert error["message"] == "Internal server error."
        assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": REQUEST_ID}
        assert "secret" not in response.text
        assert response.headers["x-request-id"] == REQUEST_ID

    async def test_is_translated(self, tiny: httpx.AsyncClient) -> None:
        response = await tiny.post(
            "/graphql", json={"query": "{ boom }"}, headers={**GQL, "accept-language": "fr"}
        )
        assert response.json()["errors"][0]["message"] == "Erreur interne du serveur."

    async def test_is_logged_once_with_traceback_and_request_id(
        self, tiny: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO):
            await tiny.post("/graphql", json={"query": "{ boom }"}, headers=GQL)
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1
        [record] = errors
        assert record.exc_info is not None
        assert isinstance(record.exc_info[1], RuntimeError)
        assert record.request_id == REQUEST_ID  # type: ignore[attr-defined]

    async def test_rolls_back_the_writes_of_the_request(
        self, tiny: httpx.AsyncClient, db: Database
    ) -> None:
        response = await tiny.post(
            "/graphql", json={"query": "mutation { writeThenFail }"}, headers=GQL
        )
        assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        assert await partner_slugs(db) == []

    async def test_a_successful_mutation_commits(
        self, tiny: httpx.AsyncClient, db: Database
    ) -> None:
        response = await tiny.post("/graphql", json={"query": "mutation { write }"}, headers=GQL)
        assert response.json() == {"data": {"write": "written"}}
        assert await partner_slugs(db) == ["kept"]

    async def test_a_failing_payload_field_does_not_undo_the_committed_use_case(
        self, tiny: httpx.AsyncClient, db: Database
    ) -> None:
        response = await tiny.post(
            "/graphql",
            json={"query": "mutation { writeWithBrokenPayload { slug broken } }"},
            headers=GQL,
        )
        body = response.json()
        assert body["data"] == {"writeWithBrokenPayload": {"slug": "durable", "broken": None}}
        assert body["errors"][0]["path"] == ["writeWithBrokenPayload", "broken"]
        assert await partner_slugs(db) == ["durable"]

    async def test_a_write_outside_a_use_case_is_refused(
        self, tiny: httpx.AsyncClient, db: Database
    ) -> None:
        response = await tiny.post(
            "/graphql", json={"query": "mutation { writeWithoutUseCase }"}, headers=GQL
        )
        assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        assert await partner_slugs(db) == []


class TestDomainErrorInResolver:
    async def test_keeps_its_code_and_message(
        self, tiny: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO):
            response = await tiny.post("/graphql", json={"query": "{ missing }"}, headers=GQL)
        [error] = response.json()["errors"]
        assert error["message"] == "No such thing."
        assert error["extensions"]["code"] == "NOT_FOUND"
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
