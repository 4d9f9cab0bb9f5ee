"""Bad input from anonymous callers: refused with the proper error, never a server error."""

from __future__ import annotations

import json

import httpx
import pytest

from auth_factories import bearer, create_member_with_token, create_partner
from c2c_api.db import Database

HUGE_INT = "1" * 5000  # beyond Python's 4300-digit limit for int(str)
JSON_TYPE = {"content-type": "application/json"}


class TestHugeJsonIntegers:
    async def test_in_a_post_body(self, db: Database, client: httpx.AsyncClient) -> None:
        body = '{"query":"{ __typename }","variables":{"x":' + HUGE_INT + "}}"
        response = await client.post("/graphql", content=body, headers=JSON_TYPE)
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "MALFORMED_JSON"

    async def test_in_get_variables(self, db: Database, client: httpx.AsyncClient) -> None:
        params = {"query": "{ __typename }", "variables": '{"x":' + HUGE_INT + "}"}
        response = await client.get("/graphql", params=params)
        assert response.status_code == 400

    async def test_in_multipart_operations(self, db: Database, client: httpx.AsyncClient) -> None:
        operations = '{"query":"{ __typename }","variables":{"x":' + HUGE_INT + "}}"
        response = await client.post(
            "/graphql",
            data={"operations": operations, "map": "{}"},
            files={"0": ("a.txt", b"x")},
            headers={"GraphQL-Require-Preflight": "1"},
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "MALFORMED_JSON"


def sign_up(email: str, **extra: str) -> dict[str, object]:
    fields = {"email": email, "password": "a long password 12", "displayName": "x", **extra}
    return {
        "query": "mutation($input: SignUpInput!) { signUp(input: $input) { __typename "
        "... on UserError { code fields } } }",
        "variables": {"input": fields},
    }


class TestNulCharacters:
    async def test_sign_up_with_nul_in_the_storefront(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await create_partner(db, slug="shop")
        response = await client.post(
            "/graphql", json=sign_up("q@example.com", storefront="shop\x00")
        )
        assert response.status_code == 200
        assert response.json()["data"]["signUp"] == {
            "__typename": "UserError",
            "code": "INVALID_INPUT",
            "fields": ["storefront"],
        }

    @pytest.mark.parametrize("field", ["email", "displayName", "locale"])
    async def test_sign_up_with_nul_in_a_field(
        self, db: Database, client: httpx.AsyncClient, field: str
    ) -> None:
        query = sign_up("q@example.com")
        inputs = query["variables"]["input"]  # type: ignore[index]
        inputs[field] = "q\x00@example.com" if field == "email" else "e\x00n"
        response = await client.post("/graphql", json=query)
        assert response.json()["data"]["signUp"]["code"] == "INVALID_INPUT"

    @pytest.mark.parametrize("field", ["bio", "avatarUrl", "city", "displayName"])
    async def test_update_profile_with_nul(
        self, db: Database, client: httpx.AsyncClient, field: str
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["account:write"])
        value = "https://example.com/a\x00.png" if field == "avatarUrl" else "a\x00b"
        query = {
            "query": "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) "
            "{ __typename ... on UserError { code fields } } }",
            "variables": {"input": {field: value}},
        }
        response = await client.post("/graphql", json=query, headers=bearer(token))
        assert response.json()["data"]["updateProfile"] == {
            "__typename": "UserError",
            "code": "INVALID_INPUT",
            "fields": [field],
        }

    async def test_a_bio_keeps_its_line_breaks(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["account:write"])
        query = {
            "query": "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) "
            "{ __typename ... on UpdateProfileSuccess { member { bio } } } }",
            "variables": {"input": {"bio": "line one\r\n\tline two"}},
        }
        response = await client.post("/graphql", json=query, headers=bearer(token))
        member = response.json()["data"]["updateProfile"]["member"]
        assert member == {"bio": "line one\r\n\tline two"}

    @pytest.mark.parametrize(
        "mutation",
        [
            'requestPasswordReset(email: "a\\u0000@example.com")',
            'verifyEmail(token: "a\\u0000")',
            'resetPassword(token: "a\\u0000", newPassword: "a long password 12")',
        ],
    )
    async def test_anonymous_mutations_with_nul(
        self, db: Database, client: httpx.AsyncClient, mutation: str
    ) -> None:
        query = "mutation { " + mutation + " { __typename ... on UserError { code } } }"
        response = await client.post(
            "/graphql", content=json.dumps({"query": query}), headers=JSON_TYPE
        )
        assert response.status_code == 200
        assert "errors" not in response.json()
