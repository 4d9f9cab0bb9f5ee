"""The dry-run check over HTTP: messageWarnings(text)."""

from __future__ import annotations

from typing import Any

import httpx

from auth_factories import bearer, create_member_with_token
from c2c_api.db import Database
from c2c_api.trust.warnings import MAX_MESSAGE_LENGTH

QUERY = "query($text: String!) { messageWarnings(text: $text) { flag reason excerpt } }"


async def ask(
    client: httpx.AsyncClient, text: str, token: str | None, language: str = "en"
) -> dict[str, Any]:
    headers = {"Accept-Language": language, **(bearer(token) if token else {})}
    response = await client.post(
        "/graphql", json={"query": QUERY, "variables": {"text": text}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class TestMessageWarnings:
    async def test_lists_the_warnings_with_their_reason_and_masked_excerpt(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["messages:write"])
        body = await ask(client, "Appelle-moi au 06 12 34 56 78", token)
        warnings = body["data"]["messageWarnings"]
        assert [w["flag"] for w in warnings] == ["OFF_PLATFORM", "PHONE_NUMBER"]
        assert warnings[1]["excerpt"] == "06 •• •• •• 78"
        assert warnings[1]["reason"].startswith("This message contains a phone number.")

    async def test_speaks_the_callers_language(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["messages:write"])
        body = await ask(client, "FR76 3000 6000 0112 3456 7890 189", token, "fr")
        (warning,) = body["data"]["messageWarnings"]
        assert warning["flag"] == "IBAN"
        assert warning["reason"].startswith("Ce message contient un numéro de compte bancaire")

    async def test_an_innocent_message_has_none(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["messages:write"])
        body = await ask(client, "Is the bike still available? 150 € is fine.", token)
        assert body["data"] == {"messageWarnings": []}
        assert "errors" not in body

    async def test_refuses_a_text_longer_than_a_message(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["messages:write"])
        body = await ask(client, "x" * (MAX_MESSAGE_LENGTH + 1), token, "fr")
        assert body["data"] == {"messageWarnings": None}
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "MESSAGE_TOO_LONG"
        assert error["extensions"]["maxLength"] == MAX_MESSAGE_LENGTH
        assert error["message"] == "Un message compte au plus 4000 caractères."

    async def test_needs_the_messages_scope(self, db: Database, client: httpx.AsyncClient) -> None:
        _, token = await create_member_with_token(db, scopes=["account:read"])
        body = await ask(client, "hello", token)
        assert body["errors"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"

    async def test_is_refused_to_anonymous_callers(self, client: httpx.AsyncClient) -> None:
        body = await ask(client, "hello", None)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
