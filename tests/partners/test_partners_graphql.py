"""Partner entry points over HTTP: createPartner, partners, Partner.members."""

from __future__ import annotations

from typing import Any

import httpx
from strawberry.relay import to_base64

from auth_factories import bearer, create_member, create_member_with_token, partner_token
from c2c_api.db import Database

CREATE = """
mutation($slug: String!, $name: String!) {
  createPartner(input: {slug: $slug, name: $name}) {
    __typename
    ... on CreatePartnerSuccess { partner { slug name } }
    ... on UserError { code fields }
  }
}"""
LIST = """
query($after: String) {
  partners(first: 2, after: $after) {
    edges { cursor node { slug } }
    pageInfo { hasNextPage endCursor }
  }
}"""
OWN_MEMBERS = """
{ partner { slug members(first: 10) { edges { node { displayName } } } } }
"""
NODE_MEMBERS = """
query($id: ID!) {
  node(id: $id) { ... on Partner { slug members { edges { node { displayName } } } } }
}"""


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def operator_token(db: Database) -> str:
    _, token = await create_member_with_token(db, scopes=["admin:partners"], operator=True)
    return token


class TestCreatePartnerMutation:
    async def test_an_operator_creates_a_partner(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        token = await operator_token(db)
        body = await gql(client, CREATE, {"slug": "vintage-lyon", "name": "Vintage"}, bearer(token))
        assert body["data"]["createPartner"] == {
            "__typename": "CreatePartnerSuccess",
            "partner": {"slug": "vintage-lyon", "name": "Vintage"},
        }
        again = await gql(client, CREATE, {"slug": "vintage-lyon", "name": "V"}, bearer(token))
        assert again["data"]["createPartner"] == {
            "__typename": "UserError",
            "code": "SLUG_TAKEN",
            "fields": ["slug"],
        }

    async def test_anonymous_and_member_callers_are_refused(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        anonymous = await gql(client, CREATE, {"slug": "shop", "name": "Shop"})
        assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        _, token = await create_member_with_token(db, scopes=["account:write"])
        member = await gql(client, CREATE, {"slug": "shop", "name": "Shop"}, bearer(token))
        assert member["errors"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"


class TestPartnersQuery:
    async def test_pages_with_cursors(self, client: httpx.AsyncClient, db: Database) -> None:
        token = await operator_token(db)
        for slug in ("shop-a", "shop-b", "shop-c"):
            await gql(client, CREATE, {"slug": slug, "name": slug}, bearer(token))
        first = (await gql(client, LIST, {}, bearer(token)))["data"]["partners"]
        assert [e["node"]["slug"] for e in first["edges"]] == ["shop-a", "shop-b"]
        assert first["pageInfo"]["hasNextPage"] is True
        after = first["pageInfo"]["endCursor"]
        second = (await gql(client, LIST, {"after": after}, bearer(token)))["data"]["partners"]
        assert [e["node"]["slug"] for e in second["edges"]] == ["shop-c"]
        assert second["pageInfo"]["hasNextPage"] is False

    async def test_a_forged_cursor_is_invalid_cursor(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        token = await operator_token(db)
        body = await gql(client, LIST, {"after": "not-a-cursor"}, bearer(token))
        assert body["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"

    async def test_partners_cannot_list_partners(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        _, token = await partner_token(db, scopes=["partner:read"])
        body = await gql(client, LIST, {}, bearer(token))
        assert body["errors"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"


class TestPartnerMembers:
    async def test_a_partner_sees_the_members_who_joined_through_it(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        partner, token = await partner_token(db, scopes=["partner:read", "partner:members"])
        await create_member(db, display_name="Joined", partner=partner)
        await create_member(db, display_name="Elsewhere")
        body = await gql(client, OWN_MEMBERS, headers=bearer(token))
        members = body["data"]["partner"]["members"]["edges"]
        assert [e["node"]["displayName"] for e in members] == ["Joined"]

    async def test_without_partner_members_the_list_is_empty(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        partner, token = await partner_token(db, scopes=["partner:read"])
        await create_member(db, display_name="Joined", partner=partner)
        body = await gql(client, OWN_MEMBERS, headers=bearer(token))
        assert body["data"]["partner"]["members"]["edges"] == []

    async def test_anonymous_callers_see_the_storefront_but_not_its_members(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        partner, _ = await partner_token(db, scopes=["partner:read"])
        await create_member(db, display_name="Joined", partner=partner)
        body = await gql(client, NODE_MEMBERS, {"id": to_base64("Partner", partner.id)})
        assert body["data"]["node"] == {"slug": partner.slug, "members": {"edges": []}}
