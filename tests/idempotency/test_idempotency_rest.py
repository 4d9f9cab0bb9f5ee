"""The `Idempotency-Key` header (c2c_api.rest.idempotency), through a tiny Starlette route built
here: 400 without a key, 422 reused, 409 in use, replays marked `Idempotent-Replayed: true`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from c2c_api.authz import Actor, ActorKind
from c2c_api.db import Database
from c2c_api.idempotency.service import caller_of, claim
from c2c_api.listings.errors import VersionConflict
from c2c_api.rest.idempotency import answer_response, run_idempotent
from c2c_api.rest.problems import exception_handlers
from idempotency_support import add_effect, effect_notes, effects

__all__ = ["effects"]

ALICE, BOB = uuid.UUID(int=1), uuid.UUID(int=2)


def build_app(db: Database, *, required: bool = True) -> Starlette:
    async def pay(request: Request) -> Response:
        actor = Actor(kind=ActorKind.MEMBER, member_id=uuid.UUID(request.headers["x-member"]))
        body: dict[str, Any] = await request.json()

        async def use_case(session: AsyncSession) -> dict[str, Any]:
            await add_effect(session, f"{body['orderId']}:{body['amount']}")
            if body["amount"] < 0:
                raise VersionConflict(fields=["amount"])
            return {"orderId": body["orderId"], "amount": body["amount"]}

        answer = await run_idempotent(
            request,
            db,
            actor,
            operation="payOrder",
            arguments=body,
            use_case=use_case,
            required=required,
        )
        return answer_response(answer, status_code=201)

    return Starlette(
        routes=[Route("/v1/pay", pay, methods=["POST"])], exception_handlers=exception_handlers()
    )


@pytest.fixture
async def client(effects: Database) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(effects))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def post(
    client: httpx.AsyncClient,
    *,
    key: str | None = "k1",
    member: uuid.UUID = ALICE,
    amount: int = 100,
    language: str = "en",
) -> httpx.Response:
    headers = {"x-member": str(member), "accept-language": language}
    if key is not None:
        headers["Idempotency-Key"] = key
    return await client.post("/v1/pay", json={"orderId": "o1", "amount": amount}, headers=headers)


class TestIdempotencyKeyHeader:
    async def test_a_replay_answers_the_same_body_marked_replayed(
        self, client: httpx.AsyncClient, effects: Database
    ) -> None:
        first = await post(client)
        assert (first.status_code, first.json()) == (201, {"orderId": "o1", "amount": 100})
        assert "idempotent-replayed" not in first.headers
        again = await post(client)
        assert (again.status_code, again.json()) == (201, first.json())
        assert again.headers["idempotent-replayed"] == "true"
        assert await effect_notes(effects) == ["o1:100"]

    async def test_a_missing_key_is_400(self, client: httpx.AsyncClient, effects: Database) -> None:
        refused = await post(client, key=None)
        assert refused.status_code == 400
        assert refused.headers["content-type"] == "application/problem+json"
        assert (refused.json()["code"], refused.json()["fields"]) == (
            "IDEMPOTENCY_KEY_REQUIRED",
            ["Idempotency-Key"],
        )
        assert await effect_notes(effects) == []

    async def test_a_malformed_key_is_422_invalid_input(self, client: httpx.AsyncClient) -> None:
        refused = await post(client, key="k" * 256)
        assert (refused.status_code, refused.json()["code"]) == (422, "INVALID_INPUT")
        assert refused.json()["fields"] == ["Idempotency-Key"]

    async def test_a_reused_key_is_422(self, client: httpx.AsyncClient, effects: Database) -> None:
        await post(client)
        refused = await post(client, amount=5, language="fr")
        assert (refused.status_code, refused.json()["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")
        assert refused.json()["detail"] == (
            "Cette clé d'idempotence a déjà servi pour une autre requête."
        )
        assert await effect_notes(effects) == ["o1:100"]

    async def test_a_key_in_use_is_409(self, client: httpx.AsyncClient, effects: Database) -> None:
        actor = Actor(kind=ActorKind.MEMBER, member_id=ALICE)
        async with claim(
            effects,
            caller=caller_of(actor),
            key="k1",
            operation="payOrder",
            arguments={"orderId": "o1", "amount": 100},
        ) as held:
            refused = await post(client)
            assert (refused.status_code, refused.json()["code"]) == (409, "IDEMPOTENCY_KEY_IN_USE")
            async with effects.transaction() as session:
                await held.complete(session, {"orderId": "o1", "amount": 100, "by": "held"})
        replayed = await post(client)
        assert replayed.json()["by"] == "held"
        assert await effect_notes(effects) == []

    async def test_a_stored_error_is_answered_again_with_its_status(
        self, client: httpx.AsyncClient, effects: Database
    ) -> None:
        first = await post(client, amount=-1)
        assert (first.status_code, first.json()["code"]) == (409, "VERSION_CONFLICT")
        assert "idempotent-replayed" not in first.headers
        again = await post(client, amount=-1)
        assert again.status_code == 409
        assert again.headers["idempotent-replayed"] == "true"
        assert {k: v for k, v in again.json().items() if k != "requestId"} == {
            k: v for k, v in first.json().items() if k != "requestId"
        }
        assert await effect_notes(effects) == []

    async def test_keys_are_scoped_per_caller(
        self, client: httpx.AsyncClient, effects: Database
    ) -> None:
        await post(client, member=ALICE, amount=1)
        bob = await post(client, member=BOB, amount=2)
        assert (bob.status_code, bob.json()["amount"]) == (201, 2)
        assert "idempotent-replayed" not in bob.headers

    async def test_an_optional_key_may_be_left_out(self, effects: Database) -> None:
        transport = httpx.ASGITransport(app=build_app(effects, required=False))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            assert (await post(c, key=None)).status_code == 201
            assert (await post(c, key=None)).status_code == 201
        assert await effect_notes(effects) == ["o1:100", "o1:100"]
