"""Identical documents are parsed and validated once per process, within a bounded cache."""

import uuid

import httpx
import pytest
import strawberry.schema.schema as strawberry_schema


async def test_a_repeated_document_is_validated_once(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    real_validate = strawberry_schema.validate

    def counting_validate(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema, "validate", counting_validate)
    # A document this test alone sends, so no earlier test has it cached.
    query = f"query Q{uuid.uuid4().hex} {{ __typename }}"
    for _ in range(5):
        response = await client.post("/graphql", json={"query": query})
        assert response.json()["data"] == {"__typename": "Query"}  # and extensions.cost
    assert calls == 1
