"""`idempotencyKey` in GraphQL (c2c_api.graphql.idempotency), through a toy schema built here
(the real schema has no such field yet): replays, reuse, stored errors, callers' scopes."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from c2c_api.authz import ANONYMOUS, Actor
from c2c_api.db import Database
from c2c_api.graphql.context import Context
from c2c_api.graphql.errors import UserError, payload_of_use_case
from c2c_api.graphql.idempotency import idempotent
from c2c_api.listings.errors import VersionConflict
from idempotency_support import add_effect, effect_notes, effects, member

__all__ = ["effects"]


@strawberry.type
class Paid:
    order_id: str
    amount: int


PayPayload = Annotated[Paid | UserError, strawberry.union("PayPayload")]


@strawberry.type
class Query:
    @strawberry.field
    def ok(self) -> bool:
        return True


@strawberry.type
class Mutation:
    @strawberry.mutation
    @payload_of_use_case
    async def pay(
        self, info: Info, order_id: str, amount: int, idempotency_key: str | None = None
    ) -> PayPayload:
        async def use_case(session: AsyncSession) -> dict[str, Any]:
            await add_effect(session, f"{order_id}:{amount}")
            if amount < 0:
                raise VersionConflict(fields=["amount"])
            return {"orderId": order_id, "amount": amount}

        value = await idempotent(
            info,
            operation="pay",
            key=idempotency_key,
            arguments={"orderId": order_id, "amount": amount},
            use_case=use_case,
        )
        return Paid(order_id=value["orderId"], amount=value["amount"])


SCHEMA = strawberry.Schema(query=Query, mutation=Mutation)
PAY = """
mutation Pay($orderId: String!, $amount: Int!, $key: String) {
  pay(orderId: $orderId, amount: $amount, idempotencyKey: $key) {
    __typename
    ... on Paid { orderId amount }
    ... on UserError { code message fields }
  }
}
"""


async def pay(
    db: Database, actor: Actor, *, key: str | None = "k1", order: str = "o1", amount: int = 100
) -> dict[str, Any]:
    context = Context(request=None, actor=actor, db=db, settings=db.settings, locale="fr")
    result = await SCHEMA.execute(
        PAY,
        variable_values={"orderId": order, "amount": amount, "key": key},
        context_value=context,
    )
    await context.close()
    assert result.errors is None, result.errors
    assert result.data is not None
    payload: dict[str, Any] = result.data["pay"]
    return payload


class TestIdempotentMutation:
    async def test_a_replay_answers_the_first_result_without_running_again(
        self, effects: Database
    ) -> None:
        alice = member()
        first = await pay(effects, alice)
        assert first == {"__typename": "Paid", "orderId": "o1", "amount": 100}
        assert await pay(effects, alice) == first
        assert await effect_notes(effects) == ["o1:100"]

    async def test_other_arguments_are_idempotency_key_reused(self, effects: Database) -> None:
        alice = member()
        await pay(effects, alice)
        refused = await pay(effects, alice, amount=101)
        assert (refused["__typename"], refused["code"]) == ("UserError", "IDEMPOTENCY_KEY_REUSED")
        assert refused["message"] == "Cette clé d'idempotence a déjà servi pour une autre requête."
        assert await effect_notes(effects) == ["o1:100"]

    async def test_a_domain_error_is_answered_again(self, effects: Database) -> None:
        alice = member()
        first = await pay(effects, alice, amount=-1)
        assert (first["__typename"], first["code"], first["fields"]) == (
            "UserError",
            "VERSION_CONFLICT",
            ["amount"],
        )
        assert await pay(effects, alice, amount=-1) == first
        assert await effect_notes(effects) == []  # rolled back, and never run again

    async def test_keys_are_scoped_per_caller(self, effects: Database) -> None:
        await pay(effects, member(), amount=1)
        bob = await pay(effects, member(), amount=2)
        assert bob == {"__typename": "Paid", "orderId": "o1", "amount": 2}
        assert await effect_notes(effects) == ["o1:1", "o1:2"]

    @pytest.mark.parametrize(
        ("key", "code"),
        [(None, "IDEMPOTENCY_KEY_REQUIRED"), ("", "INVALID_INPUT"), ("k" * 256, "INVALID_INPUT")],
    )
    async def test_a_missing_or_malformed_key_is_refused(
        self, effects: Database, key: str | None, code: str
    ) -> None:
        refused = await pay(effects, member(), key=key)
        assert (refused["code"], refused["fields"]) == (code, ["idempotencyKey"])
        assert await effect_notes(effects) == []

    async def test_an_anonymous_caller_is_refused(self, effects: Database) -> None:
        refused = await pay(effects, ANONYMOUS)
        assert refused["code"] == "UNAUTHENTICATED"
