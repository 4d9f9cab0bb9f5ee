"""Depth, alias and token limits of the product schema: exceeded → 400 error, nothing executed.

Depth semantics (docs/graphql-over-http.md): a field's depth is the number of fields enclosing
it (root fields are at depth 0); `C2C_GRAPHQL_MAX_DEPTH=N` admits fields up to depth N.
"""

from __future__ import annotations

import httpx
import pytest

from c2c_api.app import create_app
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.observability import GRAPHQL_OPERATIONS

GQL = {"accept": "application/graphql-response+json"}


@pytest.fixture
async def limited(db: Database, settings: Settings):  # type: ignore[no-untyped-def]
    """An app whose limits are small enough to reach with the current schema."""
    # model_copy skips validation: a depth of 1 is below the configurable minimum on purpose.
    small = settings.model_copy(
        update={"graphql_max_depth": 1, "graphql_max_aliases": 3, "graphql_max_tokens": 100}
    )
    app = create_app(small, db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        yield c


def rejected_count() -> float:
    return GRAPHQL_OPERATIONS.labels("unknown", "rejected")._value.get()


async def post(client: httpx.AsyncClient, query: str) -> httpx.Response:
    return await client.post("/graphql", json={"query": query}, headers=GQL)


def assert_refused(response: httpx.Response, code: str) -> None:
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body  # per the spec: the request failed before execution
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]


class TestDepthLimit:
    async def test_admits_fields_at_the_maximum_depth(self, limited: httpx.AsyncClient) -> None:
        response = await post(limited, "{ viewer { id } }")
        assert response.status_code == 200
        assert response.json()["data"] == {"viewer": None}  # executed (anonymous: no viewer)

    async def test_refuses_one_level_deeper(self, limited: httpx.AsyncClient) -> None:
        before = rejected_count()
        response = await post(limited, "{ viewer { storefront { id } } }")
        assert_refused(response, "DEPTH_LIMIT_EXCEEDED")
        assert "maximum operation depth of 1" in response.json()["errors"][0]["message"]
        assert rejected_count() == before + 1

    async def test_counts_through_fragments(self, limited: httpx.AsyncClient) -> None:
        query = "{ viewer { ...M } } fragment M on Member { storefront { id } }"
        assert_refused(await post(limited, query), "DEPTH_LIMIT_EXCEEDED")


class TestAliasLimit:
    async def test_admits_the_maximum(self, limited: httpx.AsyncClient) -> None:
        response = await post(limited, "{ a: __typename b: __typename c: __typename }")
        assert response.json()["data"] == {
            "a": "Query",
            "b": "Query",
            "c": "Query",
        }  # and extensions.cost

    async def test_refuses_one_more(self, limited: httpx.AsyncClient) -> None:
        query = "{ a: __typename b: __typename c: __typename d: __typename }"
        assert_refused(await post(limited, query), "ALIAS_LIMIT_EXCEEDED")

    async def test_refuses_a_mutation_over_the_limit_without_running_it(
        self, limited: httpx.AsyncClient
    ) -> None:
        fields = " ".join(
            f'u{i}: updateProfile(input: {{displayName: "x"}}) {{ __typename }}' for i in range(4)
        )
        response = await post(limited, f"mutation {{ {fields} }}")
        assert_refused(response, "ALIAS_LIMIT_EXCEEDED")


class TestTokenLimit:
    async def test_admits_a_document_under_the_limit(self, limited: httpx.AsyncClient) -> None:
        response = await post(limited, "{" + " __typename" * 90 + " }")
        assert response.json()["data"] == {"__typename": "Query"}  # and extensions.cost

    async def test_refuses_a_document_over_the_limit(self, limited: httpx.AsyncClient) -> None:
        response = await post(limited, "{" + " __typename" * 120 + " }")
        assert_refused(response, "TOKEN_LIMIT_EXCEEDED")

    async def test_legacy_json_clients_get_200_and_no_data(
        self, limited: httpx.AsyncClient
    ) -> None:
        response = await limited.post(
            "/graphql",
            json={"query": "{" + " __typename" * 120 + " }"},
            headers={"accept": "application/json"},
        )
        assert response.status_code == 200
        assert "data" not in response.json()
