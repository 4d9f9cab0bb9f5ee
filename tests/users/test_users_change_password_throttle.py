"""changePassword: wrong current passwords are throttled like sign-ins."""

from __future__ import annotations

import httpx

from auth_factories import PASSWORD, bearer, create_member_with_token
from c2c_api.db import Database

CHANGE = """mutation($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new) {
    __typename ... on UserError { code }
  }
}"""
NEW = "another long passphrase 42"


async def change(api: httpx.AsyncClient, token: str, current: str) -> str:
    variables = {"current": current, "new": NEW}
    response = await api.post(
        "/graphql", json={"query": CHANGE, "variables": variables}, headers=bearer(token)
    )
    payload = response.json()["data"]["changePassword"]
    return str(payload.get("code") or payload["__typename"])


class TestWrongCurrentPasswords:
    async def test_are_limited_even_for_the_right_one_afterwards(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["account:write"])
        limit = db.settings.login_max_failures_per_account
        answers = [await change(client, token, f"wrong guess {i}!") for i in range(limit)]
        assert answers == ["INVALID_CREDENTIALS"] * limit
        assert await change(client, token, PASSWORD) == "RATE_LIMITED"

    async def test_a_weak_new_password_does_not_count_as_a_wrong_guess(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["account:write"])
        limit = db.settings.login_max_failures_per_account
        weak = {"current": PASSWORD, "new": "abc"}
        for _ in range(limit):
            response = await client.post(
                "/graphql", json={"query": CHANGE, "variables": weak}, headers=bearer(token)
            )
            assert response.json()["data"]["changePassword"]["code"] == "WEAK_PASSWORD"
        assert await change(client, token, PASSWORD) == "ChangePasswordSuccess"
