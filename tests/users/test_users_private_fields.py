"""Private profile fields need the right scope, whichever way the member is reached."""

import httpx
from strawberry.relay import to_base64

from auth_factories import bearer, create_member_with_token
from c2c_api.db import Database

NODE = "query($id: ID!) { node(id: $id) { ... on Member { email emailVerified locale } } }"


async def _member_gid(client: httpx.AsyncClient, token: str) -> str:
    response = await client.post(
        "/graphql", json={"query": "{ viewer { id } }"}, headers=bearer(token)
    )
    return str(response.json()["data"]["viewer"]["id"])


class TestPrivateProfileFields:
    async def test_self_with_account_read_sees_the_email(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        member, token = await create_member_with_token(db, scopes=["account:read"])
        gid = await _member_gid(client, token)
        body = (
            await client.post(
                "/graphql", json={"query": NODE, "variables": {"id": gid}}, headers=bearer(token)
            )
        ).json()
        assert body["data"]["node"]["email"] == member.email

    async def test_self_without_account_read_gets_null(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        member, token = await create_member_with_token(db, scopes=["listings:write"])

        gid = to_base64("Member", str(member.id))
        body = (
            await client.post(
                "/graphql", json={"query": NODE, "variables": {"id": gid}}, headers=bearer(token)
            )
        ).json()
        assert body["data"]["node"] == {"email": None, "emailVerified": None, "locale": None}

    async def test_operator_needs_admin_moderation(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        member, _ = await create_member_with_token(db, scopes=["account:read"])
        gid = to_base64("Member", str(member.id))
        _, catalog_only = await create_member_with_token(
            db, scopes=["admin:catalog"], operator=True
        )
        _, moderator = await create_member_with_token(
            db, scopes=["admin:moderation"], operator=True
        )
        hidden = (
            await client.post(
                "/graphql",
                json={"query": NODE, "variables": {"id": gid}},
                headers=bearer(catalog_only),
            )
        ).json()
        shown = (
            await client.post(
                "/graphql",
                json={"query": NODE, "variables": {"id": gid}},
                headers=bearer(moderator),
            )
        ).json()
        assert hidden["data"]["node"]["email"] is None
        assert shown["data"]["node"]["email"] == member.email
