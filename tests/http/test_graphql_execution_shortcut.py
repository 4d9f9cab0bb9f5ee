"""The plain-leaf shortcut of c2c_api.graphql.execution answers exactly what graphql-core's
own path answers: the same data and the same errors, on a small schema built for the edge
cases and on the real schema with listings of every kind."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import httpx
import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.demo import seed_demo
from c2c_api.graphql.execution import (
    WRITTEN_FOR,
    LeafShortcutContext,
    execution_context_class,
    installed_versions,
    plans_of,
    shortcut_supported,
)
from c2c_api.graphql.schema import build_schema


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


class Broken(Exception):
    pass


@strawberry.type
class Thing:
    name: str
    nick: str | None
    count: int
    colour: Colour
    seen_at: datetime

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def greeting(self, polite: bool = False) -> str:
        return ("Dear " if polite else "") + self.name


class BrokenThing(Thing):
    """A `count` that raises when read."""

    @property  # type: ignore[override]
    def count(self) -> int:  # type: ignore[override]
        raise Broken("count unavailable")

    @count.setter
    def count(self, value: int) -> None:
        pass


def things(case: str) -> list[Thing]:
    when = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    good = Thing(name="lamp", nick=None, count=2, colour=Colour.RED, seen_at=when)
    if case == "good":
        return [good, Thing(name="bike", nick="b", count=0, colour=Colour.BLUE, seen_at=when)]
    if case == "null-in-non-null":
        return [good, Thing(name=None, nick="x", count=1, colour=Colour.RED, seen_at=when)]  # type: ignore[arg-type]
    if case == "uncoercible":
        return [good, Thing(name="x", nick=None, count="many", colour=Colour.RED, seen_at=when)]  # type: ignore[arg-type]
    if case == "bad-enum":
        return [good, Thing(name="x", nick=None, count=1, colour="green", seen_at=when)]  # type: ignore[arg-type]
    if case == "raises":
        return [good, BrokenThing(name="x", nick=None, count=1, colour=Colour.RED, seen_at=when)]
    raise AssertionError(case)


@strawberry.type
class Query:
    @strawberry.field
    def things(self, case: str = "good") -> list[Thing]:
        return things(case)

    @strawberry.field
    def optional_things(self, case: str = "good") -> list[Thing | None] | None:
        return list(things(case))


def schema(shortcut: bool, extensions: list[Any] | None = None) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        extensions=extensions or [],
        execution_context_class=(
            LeafShortcutContext if shortcut else StrawberryGraphQLCoreExecutionContext
        ),
    )


def answer(result: Any) -> dict[str, Any]:
    return {
        "data": result.data,
        "errors": [
            {"message": e.message, "path": e.path, "locations": e.locations}
            for e in result.errors or []
        ],
    }


FIELDS = "name nick count colour seenAt shout greeting(polite: true) __typename"
DOCUMENTS = [
    "query($c: String!) { things(case: $c) { " + FIELDS + " } }",
    "query($c: String!) { optionalThings(case: $c) { " + FIELDS + " } }",
    "query($c: String!, $yes: Boolean!) { things(case: $c) { a: name b: count "
    "nick @include(if: $yes) colour @skip(if: $yes) ...F } } fragment F on Thing { seenAt }",
]
CASES = ["good", "null-in-non-null", "uncoercible", "bad-enum", "raises"]


class TestSameAnswerAsGraphqlCore:
    @pytest.mark.parametrize("case", CASES)
    @pytest.mark.parametrize("document", DOCUMENTS)
    def test_data_and_errors_are_identical(self, document: str, case: str) -> None:
        variables = {"c": case, "yes": True}
        fast = schema(True).execute_sync(document, variable_values=variables)
        plain = schema(False).execute_sync(document, variable_values=variables)
        assert answer(fast) == answer(plain)
        colour_skipped = "@skip" in document and case == "bad-enum"
        if case != "good" and not colour_skipped:
            assert fast.errors, "each broken value is reported"

    def test_the_shortcut_covers_plain_leaves_only(self) -> None:
        plans = plans_of(schema(True)._schema)
        assert set(plans["Thing"]) == {"name", "nick", "count", "colour", "seenAt"}
        assert "Query" not in plans  # root fields have resolvers


class CountingFields(SchemaExtension):
    seen: list[str] = []

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        CountingFields.seen.append(info.field_name)
        return _next(root, info, *args, **kwargs)


class TestFieldMiddlewareSeesEveryField:
    def test_an_extension_resolving_fields_turns_the_shortcut_off(self) -> None:
        document = DOCUMENTS[0]
        CountingFields.seen = []
        fast = schema(True, [CountingFields]).execute_sync(document, variable_values={"c": "good"})
        with_shortcut = list(CountingFields.seen)
        CountingFields.seen = []
        schema(False, [CountingFields]).execute_sync(document, variable_values={"c": "good"})
        assert fast.errors is None
        assert with_shortcut == CountingFields.seen
        assert with_shortcut.count("name") == 2


CARD = """
  __typename id kind status visibility title description condition quantity currency
  attributes attributeValues { key label value display }
  displayPrice { amount currency formatted }
  category { slug name parent { slug } }
  location { city country approximatePosition { latitude longitude } }
  handover { shipping { enabled fee { amount formatted } carriers } meetup { enabled area } }
  endsAt expiresAt publishedAt createdAt updatedAt closedAt version viewerIsOwner
  seller { id displayName }
  photos { id thumbUrl }
  favoriteCount
  ... on SaleListing { price { amount } acceptsOffers }
  ... on AuctionListing { startPrice { amount } hasReserve buyNowPrice { amount } }
  ... on RentalListing { pricePerDay { amount } deposit { amount } minDays maxDays }
  ... on ServiceListing { price { amount } priceUnit durationMinutes }
  ... on SwapListing { swapSeeks }
  ... on GroupBuyListing { unitPrice { amount } targetQuantity }
  ... on WantedListing { budget { amount } }
"""
PAGE = (
    "{ listings(first: 50) { edges { cursor node {" + CARD + "} } "
    "pageInfo { hasNextPage endCursor } "
    "facets { kinds { kind count } conditions { condition count } } } }"
)


class TestRealSchema:
    async def test_a_page_of_every_kind_reads_the_same_both_ways(
        self, db: Database, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        await seed_demo(db)
        bodies = []
        for context_class in (LeafShortcutContext, StrawberryGraphQLCoreExecutionContext):
            monkeypatch.setattr(build_schema(), "execution_context_class", context_class)
            response = await client.post("/graphql", json={"query": PAGE})
            assert response.status_code == 200
            bodies.append(response.json())
        assert "errors" not in bodies[0], bodies[0]
        nodes = [e["node"] for e in bodies[0]["data"]["listings"]["edges"]]
        assert len({n["__typename"] for n in nodes}) == 8
        # cursors are signed with the clock: compare the rest
        for body in bodies:
            for edge in body["data"]["listings"]["edges"]:
                edge.pop("cursor")
            body["data"]["listings"]["pageInfo"].pop("endCursor")
            body.pop("extensions")  # the budget left differs from one request to the next
        assert json.dumps(bodies[0], sort_keys=True) == json.dumps(bodies[1], sort_keys=True)

    @pytest.mark.skipif(
        not Settings().graphql_execution_shortcut, reason="C2C_GRAPHQL_EXECUTION_SHORTCUT is off"
    )
    def test_the_app_schema_uses_the_shortcut(self) -> None:
        schema = build_schema()
        assert schema.execution_context_class is LeafShortcutContext
        plans = plans_of(schema._schema)
        assert {"title", "kind", "publishedAt"} <= set(plans["SaleListing"])
        assert "seller" not in plans["SaleListing"]  # a relation, through its loader


class TestVersionGate:
    def test_the_installed_versions_are_those_it_was_written_for(self) -> None:
        # A dependency bump lands here first: re-check execution.py against the new
        # graphql-core/strawberry, then update WRITTEN_FOR.
        assert installed_versions() == WRITTEN_FOR
        assert shortcut_supported()

    def test_other_versions_disable_it_with_a_warning(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        other = {**WRITTEN_FOR, "graphql-core": "3.4.0"}
        assert not shortcut_supported(other)
        assert "execution shortcut disabled" in caplog.text
        assert "graphql-core 3.4.0" in caplog.text

    def test_the_setting_turns_it_off(self) -> None:
        assert execution_context_class(False) is StrawberryGraphQLCoreExecutionContext
        assert execution_context_class(True) is LeafShortcutContext
