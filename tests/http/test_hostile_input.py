"""Hostile GraphQL input (issue 8, section 6): a typed error with a code, never a 500."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from auth_factories import bearer, create_member_with_token
from c2c_api.db import Database

SURROGATE = "\ud800"


async def _post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, **headers: str
) -> tuple[int, dict[str, Any]]:
    # json.dumps escapes the lone surrogate as \ud800, as a hostile client would send it.
    body = json.dumps({"query": query, "variables": variables or {}})
    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json", **headers}
    )
    return response.status_code, response.json()


def _codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


class TestLoneSurrogates:
    async def test_in_variables(self, client: httpx.AsyncClient, db: Database) -> None:
        status, body = await _post(
            client,
            "query($c: String!) { listings(filter: {category: $c}) { totalCount } }",
            {"c": SURROGATE},
        )
        assert status == 200, body
        assert _codes(body) == ["INVALID_STRING"], body
        assert "data" not in body or body["data"] is None

    async def test_escaped_in_a_string_literal(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        status, body = await _post(
            client, '{ listings(filter: {category: "\\ud800"}) { totalCount } }'
        )
        assert status == 200, body
        assert _codes(body) == ["GRAPHQL_PARSE_FAILED"], body

    async def test_raw_in_the_document(self, client: httpx.AsyncClient, db: Database) -> None:
        status, body = await _post(
            client, '{ listings(filter: {category: "a' + SURROGATE + '"}) { totalCount } }'
        )
        assert status == 200, body
        assert _codes(body) == ["GRAPHQL_PARSE_FAILED"], body
        assert SURROGATE not in json.dumps(body, ensure_ascii=False)

    async def test_in_the_operation_name(self, client: httpx.AsyncClient, db: Database) -> None:
        body_text = json.dumps({"query": "{ categories { slug } }", "operationName": SURROGATE})
        response = await client.post(
            "/graphql", content=body_text, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert _codes(response.json()) == ["INVALID_STRING"], response.text

    async def test_in_a_mutation_input(self, client: httpx.AsyncClient, db: Database) -> None:
        _, token = await create_member_with_token(db, scopes=["listings:write"])
        status, body = await _post(
            client,
            "mutation($i: CreateListingInput!) { createListing(input: $i) { __typename } }",
            {"i": {"kind": "SALE", "title": "a" + SURROGATE, "category": "handbags"}},
            **bearer(token),
        )
        assert status == 200, body
        assert _codes(body) == ["INVALID_STRING"], body

    async def test_in_a_json_scalar_key(self, client: httpx.AsyncClient, db: Database) -> None:
        _, token = await create_member_with_token(db, scopes=["listings:write"])
        status, body = await _post(
            client,
            "mutation($i: CreateListingInput!) { createListing(input: $i) { __typename } }",
            {
                "i": {
                    "kind": "SALE",
                    "title": "Lamp",
                    "category": "handbags",
                    "attributes": {SURROGATE: 1},
                }
            },
            **bearer(token),
        )
        assert status == 200, body
        assert _codes(body) == ["INVALID_STRING"], body


class TestNodeWithAnAbstractTypeName:
    @pytest.mark.parametrize("type_name", ["Node", "Listing", "ListingPayload", "Nope", "Query"])
    async def test_typed_error(
        self, client: httpx.AsyncClient, db: Database, type_name: str
    ) -> None:
        gid = base64.b64encode(f"{type_name}:0a5b4f40d5b445948fe16f82bef6a283".encode()).decode()
        status, body = await _post(client, "query($id: ID!) { node(id: $id) { id } }", {"id": gid})
        assert status == 200, body
        assert body["data"] == {"node": None} or body.get("data") is None
        assert all(_codes(body)), body
        assert "INTERNAL_SERVER_ERROR" not in _codes(body), body


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


class TestDeepJson:
    @pytest.mark.parametrize("depth", [900, 5000])
    async def test_attributes_nested_deep(
        self, client: httpx.AsyncClient, db: Database, depth: int
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["listings:write"])
        raw = "{" * 0  # built by hand: json.dumps itself recurses
        attrs = '{"a":' * depth + "1" + "}" * depth
        raw = (
            '{"query": "mutation($i: CreateListingInput!) { createListing(input: $i) {'
            ' __typename ... on UserError { code } } }", "variables": {"i": {"kind": "SALE",'
            ' "title": "Lamp", "category": "handbags", "attributes": ' + attrs + "}}}"
        )
        response = await client.post(
            "/graphql",
            content=raw,
            headers={"content-type": "application/json", **bearer(token)},
        )
        assert response.status_code < 500, response.text
        body = response.json()
        codes = _codes(body) or [body["data"]["createListing"].get("code")]
        assert codes in (["INPUT_TOO_DEEP"], ["MALFORMED_JSON"]), body


class TestDeepLiterals:
    @pytest.mark.parametrize("depth", [40, 900])
    async def test_attributes_literal_nested_deep(
        self, client: httpx.AsyncClient, db: Database, depth: int
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["listings:write"])
        attrs = "{a: " * depth + "1" + "}" * depth
        status, body = await _post(
            client,
            'mutation { createListing(input: {kind: SALE, title: "Lamp", category: "handbags",'
            " attributes: " + attrs + "}) { __typename } }",
            **bearer(token),
        )
        assert status == 200, body
        # Beyond graphql-core's own nesting bound, the parser refuses it first.
        assert _codes(body) in (["INPUT_TOO_DEEP"], ["GRAPHQL_PARSE_FAILED"]), body

    async def test_selections_nested_beyond_the_parser(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        status, body = await _post(client, "{ a" + " { a" * 1200 + " }" * 1201)
        assert status == 200, body
        assert _codes(body) == ["GRAPHQL_PARSE_FAILED"], body
        assert "recursion" not in json.dumps(body)


class TestChainedFragments:
    @pytest.mark.parametrize("count", [40, 400, 600])
    async def test_chained_fragments(
        self, client: httpx.AsyncClient, db: Database, count: int
    ) -> None:
        parts = ["query { ...F0 }"]
        for i in range(count - 1):
            parts.append(f"fragment F{i} on Query {{ ...F{i + 1} }}")
        parts.append(f"fragment F{count - 1} on Query {{ categories {{ slug }} }}")
        status, body = await _post(client, " ".join(parts))
        assert status == 200, body
        assert _codes(body) == ["DEPTH_LIMIT_EXCEEDED"], body
        assert "recursion" not in json.dumps(body).lower()


class TestHugeIntLiteral:
    async def test_five_thousand_digits(self, client: httpx.AsyncClient, db: Database) -> None:
        status, body = await _post(client, "{ listings(first: " + "9" * 5000 + ") { totalCount } }")
        assert status == 200, body
        assert _codes(body) == ["GRAPHQL_VALIDATION_FAILED"], body
        assert "Internal" not in json.dumps(body)

    async def test_in_variables(self, client: httpx.AsyncClient, db: Database) -> None:
        raw = (
            '{"query": "query($n: Int!) { listings(first: $n) { totalCount } }",'
            ' "variables": {"n": ' + "9" * 4000 + "}}"
        )
        response = await client.post(
            "/graphql", content=raw, headers={"content-type": "application/json"}
        )
        assert response.status_code < 500, response.text
        assert all(_codes(response.json())), response.text
