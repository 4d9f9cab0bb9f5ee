"""Keyset cursors of (created_at, id) pages: forged timestamps are typed input errors, not 500s.

These cursors serve partners, partner members, myListings, storefrontListings, myFavorites,
savedSearches and Listing.questions.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from auth_factories import bearer, create_member_with_token
from c2c_api.db import Database
from c2c_api.errors import InvalidInput
from c2c_api.partners.graphql import decode_cursor, encode_cursor

EXTREMES = [
    "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
    "9999-12-31T23:59:59-05:00",  # after year 9999 in UTC
    "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:59:59+00:00",
    "2024-01-01T00:00:00",  # naive
    "2024-13-01T00:00:00+00:00",
]


def forge(stamp: str, ident: object = None) -> str:
    raw = f"{stamp}|{ident or uuid.uuid4()}".encode()
    return base64.urlsafe_b64encode(raw).decode()


class TestDecodeCursor:
    def test_round_trip_gives_utc(self) -> None:
        ident = uuid.uuid4()
        paris = timezone(timedelta(hours=2))
        stamp = datetime(2025, 6, 1, 12, 0, tzinfo=paris)
        decoded = decode_cursor(encode_cursor(stamp, ident))
        assert decoded == (stamp, ident)
        assert decoded is not None and decoded[0].utcoffset() == timedelta(0)
        assert decoded[0].tzinfo is UTC

    @pytest.mark.parametrize("stamp", EXTREMES)
    def test_extreme_or_malformed_timestamps_are_refused(self, stamp: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            decode_cursor(forge(stamp))
        assert caught.value.fields == ["after"]

    def test_oversized_cursor_is_refused(self) -> None:
        with pytest.raises(InvalidInput):
            decode_cursor("A" * 5000)


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


class TestForgedCursorsOverHttp:
    async def test_every_keyset_list_answers_invalid_input(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        _, member = await create_member_with_token(db, scopes=["account:read", "listings:write"])
        _, operator = await create_member_with_token(db, scopes=["admin:partners"], operator=True)
        lists = [
            ("savedSearches", member),
            ("myListings", member),
            ("myFavorites", member),
            ("partners", operator),
        ]
        for name, token in lists:
            query = "query($a: String) { " + name + "(first: 5, after: $a) { edges { cursor } } }"
            for stamp in EXTREMES[:2]:
                body = await gql(client, query, {"a": forge(stamp)}, token)
                assert body["data"] is None, (query, stamp, body)
                assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT", (query, body)
