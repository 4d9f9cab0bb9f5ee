"""Keyset cursors of (created_at, id) connections are signed, and valid for one connection only.

These cursors serve partners, Partner.members, myListings, storefrontListings, myFavorites,
savedSearches and Listing.questions (codec: c2c_api.kit.cursors, shared with search). A cursor
modified, forged, or taken from another connection is INVALID_CURSOR on `after`.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from auth_factories import bearer, create_member, create_member_with_token, partner_token
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.favorites.models import Favorite
from c2c_api.kit import cursors
from c2c_api.kit.clock import utcnow
from c2c_api.listings.models import Visibility
from c2c_api.questions.models import ListingQuestion
from c2c_api.search.models import SavedSearch
from engagement_support import create_listing, listing_gid

SECRET = "a test secret"

EXTREMES = [
    "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
    "9999-12-31T23:59:59-05:00",  # after year 9999 in UTC
    "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:59:59+00:00",
    "2024-01-01T00:00:00",  # naive
    "2024-13-01T00:00:00+00:00",
]


class TestPositionCodec:
    def test_round_trip_gives_utc(self) -> None:
        ident = uuid.uuid4()
        paris = timezone(timedelta(hours=2))
        stamp = datetime(2025, 6, 1, 12, 0, tzinfo=paris)
        decoded = cursors.decode_position(
            SECRET, "Query.x", cursors.encode_position(SECRET, "Query.x", stamp, ident)
        )
        assert decoded == (stamp, ident)
        assert decoded[0].tzinfo is UTC

    @pytest.mark.parametrize("stamp", EXTREMES)
    def test_signed_but_extreme_or_malformed_timestamps_are_refused(self, stamp: str) -> None:
        # Even a correctly signed payload is type-checked (a leaked secret is not a 500).
        forged = cursors.encode(SECRET, "Query.x", [stamp, str(uuid.uuid4())])
        with pytest.raises(cursors.CursorError):
            cursors.decode_position(SECRET, "Query.x", forged)

    def test_other_scope_other_secret_and_tampering_are_refused(self) -> None:
        good = cursors.encode_position(SECRET, "Query.x", utcnow(), uuid.uuid4())
        body, _, mac = good.partition(".")
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        moved = payload.replace(b'"Query.x"', b'"Query.y"')
        tampered = base64.urlsafe_b64encode(moved).decode().rstrip("=") + "." + mac
        for secret, scope, cursor in [
            (SECRET, "Query.y", good),
            ("another secret", "Query.x", good),
            (SECRET, "Query.y", tampered),
            (SECRET, "Query.x", "A" * 5000),
            (SECRET, "Query.x", ""),
        ]:
            with pytest.raises(cursors.CursorError):
                cursors.decode_position(secret, scope, cursor)


# --- every connection, over HTTP -------------------------------------------------------------


@dataclass(frozen=True)
class Connection:
    name: str
    token: str
    document: str  # $a is `after`
    path: tuple[str, ...]  # from data to the connection
    variables: dict[str, Any]


def conn_at(data: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for key in path:
        data = data[key]
    return data


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


PAGE = "(first: 1, after: $a) { edges { cursor node { id } } pageInfo { hasNextPage } }"


async def two_of_each(db: Database) -> list[Connection]:
    """Every keyset connection, each with two rows to page through."""
    partner, partner_tok = await partner_token(
        db, scopes=["partner:read", "partner:members", "partner:catalog"]
    )
    member, member_tok = await create_member_with_token(
        db, scopes=["account:read", "listings:write"], partner=partner
    )
    await create_member(db, partner=partner)
    _, operator_tok = await create_member_with_token(db, scopes=["admin:partners"], operator=True)
    _, _ = await partner_token(db, scopes=["partner:read"])  # a second partner for `partners`
    asker = await create_member(db)
    listings = [
        await create_listing(
            db, member, partner_id=partner.id, visibility=Visibility.STOREFRONT, title=t
        )
        for t in ("First", "Second")
    ]
    async with db.transaction() as session:
        for i, listing in enumerate(listings):
            at = utcnow() + timedelta(seconds=i)
            session.add(Favorite(member_id=member.id, listing_id=listing.id, created_at=at))
            session.add(
                ListingQuestion(listing_id=listings[0].id, asker_id=asker.id, body=f"Q{i}?")
            )
            session.add(SavedSearch(member_id=member.id, name=f"S{i}", created_at=at))
    q = "query($a: String, $id: ID!) { node(id: $id) { ... on Listing { questions" + PAGE + " } } }"
    return [
        Connection("myListings", member_tok, "query($a: String) { myListings" + PAGE + " }",
                   ("myListings",), {}),
        Connection("storefrontListings", partner_tok,
                   "query($a: String) { storefrontListings" + PAGE + " }",
                   ("storefrontListings",), {}),
        Connection("myFavorites", member_tok, "query($a: String) { myFavorites" + PAGE + " }",
                   ("myFavorites",), {}),
        Connection("savedSearches", member_tok,
                   "query($a: String) { savedSearches" + PAGE + " }", ("savedSearches",), {}),
        Connection("partners", operator_tok, "query($a: String) { partners" + PAGE + " }",
                   ("partners",), {}),
        Connection("Partner.members", partner_tok,
                   "query($a: String) { partner { members" + PAGE + " } }",
                   ("partner", "members"), {}),
        Connection("Listing.questions", member_tok, q, ("node", "questions"),
                   {"id": listing_gid(listings[0])}),
    ]  # fmt: skip


def tamper(cursor: str) -> str:
    """The same cursor with one bit of its payload flipped."""
    body, _, mac = cursor.partition(".")
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[-3] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=") + "." + mac


def assert_invalid_cursor(body: dict[str, Any], c: Connection, what: str) -> None:
    """The connection field failed with INVALID_CURSOR (nothing of it was returned)."""
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_CURSOR"], (what, body)
    assert body["errors"][0]["path"] == list(c.path), (what, body)
    # The field (or the nearest nullable parent) is null; root fields are nullable, so the
    # rest of `data` survives (docs/schema-changes.md).
    data = body.get("data")
    for key in c.path:
        data = data[key] if data is not None else None
    assert data is None, (what, body)


class TestSignedConnectionCursors:
    async def test_every_connection_round_trips_and_refuses_others(
        self, client: httpx.AsyncClient, db: Database, settings: Settings
    ) -> None:
        connections = await two_of_each(db)
        first_cursor: dict[str, str] = {}
        for c in connections:
            body = await gql(client, c.document, {**c.variables, "a": None}, c.token)
            page = conn_at(body["data"], c.path)
            assert len(page["edges"]) == 1 and page["pageInfo"]["hasNextPage"], (c.name, body)
            cursor = page["edges"][0]["cursor"]
            first_cursor[c.name] = cursor
            # Valid round trip: the next page starts after the first row.
            body = await gql(client, c.document, {**c.variables, "a": cursor}, c.token)
            second = conn_at(body["data"], c.path)
            assert len(second["edges"]) == 1, (c.name, body)
            assert second["edges"][0]["node"]["id"] != page["edges"][0]["node"]["id"], c.name
            # The cursor is signed with the configured secret, for this connection only.
            assert cursors.decode(settings.secret_key, _scope(c.name), cursor)
            # Tampered: one bit of the payload flipped.
            body = await gql(client, c.document, {**c.variables, "a": tamper(cursor)}, c.token)
            assert_invalid_cursor(body, c, "tampered")
        for c in connections:
            for other, cursor in first_cursor.items():
                if other == c.name:
                    continue
                body = await gql(client, c.document, {**c.variables, "a": cursor}, c.token)
                assert_invalid_cursor(body, c, f"{other} cursor")

    async def test_unsigned_cursors_of_the_old_format_are_refused(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        connections = await two_of_each(db)
        for stamp in [*EXTREMES[:2], "2025-01-01T00:00:00+00:00"]:
            forged = base64.urlsafe_b64encode(f"{stamp}|{uuid.uuid4()}".encode()).decode()
            for c in connections:
                body = await gql(client, c.document, {**c.variables, "a": forged}, c.token)
                assert_invalid_cursor(body, c, stamp)

    async def test_the_message_is_translated(self, client: httpx.AsyncClient, db: Database) -> None:
        _, token = await create_member_with_token(db, scopes=["account:read"])
        response = await client.post(
            "/graphql",
            json={"query": '{ myFavorites(after: "x") { edges { cursor } } }'},
            headers={**bearer(token), "Accept-Language": "fr"},
        )
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "INVALID_CURSOR"
        assert error["message"] == "Ce curseur n'est pas valable pour cette liste."


def _scope(name: str) -> str:
    return name if "." in name else f"Query.{name}"
