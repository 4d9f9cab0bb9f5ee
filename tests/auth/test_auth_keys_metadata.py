"""Server metadata (RFC 8414), JWKS, signing-key rotation, and token validation into actors."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import timedelta

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet

from auth_factories import (
    ALL_MEMBER_SCOPES,
    bearer,
    create_member,
    create_member_with_token,
    partner_token,
)
from c2c_api.auth.keys import keystore, rotate_keys
from c2c_api.auth.tokens import actor_from_access_token
from c2c_api.authz import SCOPES, ActorKind
from c2c_api.db import Database
from c2c_api.kit.clock import clock, utcnow
from c2c_api.users.models import Member, MemberStatus

VIEWER = {"query": "{ viewer { id } }"}


def kid_of(token: str) -> str:
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))["kid"]


class TestMetadata:
    async def test_rfc8414_document(self, db: Database, client: httpx.AsyncClient) -> None:
        body = (await client.get("/.well-known/oauth-authorization-server")).json()
        issuer = db.settings.issuer
        assert body["issuer"] == issuer
        assert body["token_endpoint"] == f"{issuer}/oauth/token"
        assert body["authorization_endpoint"] == f"{issuer}/oauth/authorize"
        assert body["jwks_uri"] == f"{issuer}/.well-known/jwks.json"
        assert body["revocation_endpoint"] == f"{issuer}/oauth/revoke"
        assert body["introspection_endpoint"] == f"{issuer}/oauth/introspect"
        assert body["code_challenge_methods_supported"] == ["S256"]
        assert body["scopes_supported"] == list(SCOPES)
        assert set(body["grant_types_supported"]) == {
            "authorization_code",
            "refresh_token",
            "client_credentials",
        }
        assert "client_secret_basic" in body["token_endpoint_auth_methods_supported"]
        assert "client_secret_post" in body["token_endpoint_auth_methods_supported"]
        assert "none" not in body["introspection_endpoint_auth_methods_supported"]


class TestJwksAndRotation:
    async def test_tokens_verify_against_the_published_jwks(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["account:read"])
        jwks = (await client.get("/.well-known/jwks.json")).json()
        assert all("d" not in key for key in jwks["keys"])  # public parts only
        decoded = jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256"])
        assert decoded.header["typ"] == "at+jwt"

    async def test_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        member, old = await create_member_with_token(db, scopes=["account:read"])
        async with db.transaction() as session:
            new_key = await rotate_keys(session, db.settings)
        keystore.clear()  # as in another process
        from auth_factories import member_tokens

        new = (await member_tokens(db, member=member, scopes=["account:read"]))["access_token"]
        assert kid_of(new) == new_key.kid != kid_of(old)
        for token in (old, new):
            response = await client.post("/graphql", json=VIEWER, headers=bearer(token))
            assert response.json()["data"]["viewer"]["id"], response.text
        kids = {k["kid"] for k in (await client.get("/.well-known/jwks.json")).json()["keys"]}
        assert kids == {kid_of(old), new_key.kid}
        # Once the retired key's last token has expired, it is no longer published.
        clock.freeze(
            utcnow()
            + timedelta(
                seconds=max(db.settings.access_token_ttl, db.settings.client_credentials_token_ttl)
                + db.settings.signing_key_rotation_grace
                + 1
            )
        )
        kids = {k["kid"] for k in (await client.get("/.well-known/jwks.json")).json()["keys"]}
        assert kids == {new_key.kid}


class TestActorFromAccessToken:
    async def test_member(self, db: Database) -> None:
        member, token = await create_member_with_token(db, scopes=ALL_MEMBER_SCOPES)
        actor = await actor_from_access_token(db, token)
        assert actor.kind == ActorKind.MEMBER
        assert actor.member_id == member.id
        assert actor.scopes == frozenset(ALL_MEMBER_SCOPES)

    async def test_operator(self, db: Database) -> None:
        _member, token = await create_member_with_token(
            db, scopes=["account:read", "admin:moderation"], operator=True
        )
        actor = await actor_from_access_token(db, token)
        assert actor.kind == ActorKind.OPERATOR
        assert "admin:moderation" in actor.scopes

    async def test_operator_without_admin_scope_is_a_member(self, db: Database) -> None:
        _, token = await create_member_with_token(db, scopes=["account:read"], operator=True)
        assert (await actor_from_access_token(db, token)).kind == ActorKind.MEMBER

    async def test_partner(self, db: Database) -> None:
        partner, token = await partner_token(db, scopes=["partner:read"])
        actor = await actor_from_access_token(db, token)
        assert actor.kind == ActorKind.PARTNER
        assert actor.partner_id == partner.id
        assert actor.member_id is None

    async def test_suspended_member_is_refused(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        member, token = await create_member_with_token(db, scopes=["account:read"])
        async with db.transaction() as session:
            row = await session.get(Member, member.id)
            assert row is not None
            row.status = MemberStatus.SUSPENDED
            session.add(row)
        response = await client.post("/graphql", json=VIEWER, headers=bearer(token))
        assert response.status_code == 401

    async def test_revoke_member_grants_kills_tokens(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        from c2c_api.auth.grants import revoke_member_grants

        member, token = await create_member_with_token(db, scopes=["account:read"])
        async with db.transaction() as session:
            await revoke_member_grants(session, member_id=member.id)
        response = await client.post("/graphql", json=VIEWER, headers=bearer(token))
        assert response.status_code == 401


class TestCli:
    async def test_create_list_revoke_clients_and_rotate_keys(self, db: Database) -> None:
        from click.testing import CliRunner

        from c2c_api.cli import main
        from c2c_api.config import get_settings

        env = {"C2C_DATABASE_URL": db.settings.database_url, "C2C_ENV": "test"}

        async def run(*args: str) -> str:
            get_settings.cache_clear()
            try:
                # The commands call asyncio.run: give them a thread without a running loop.
                result = await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)
            finally:
                get_settings.cache_clear()
            assert result.exit_code == 0, result.output
            return result.output

        created = json.loads(
            await run(
                "clients", "create", "--name", "Shop front", "--kind", "confidential",
                "--redirect-uri", "https://shop.example/cb", "--scope", "account:read",
                "--json",
            )
        )  # fmt: skip
        assert set(created) == {"client_id", "client_secret"}
        assert created["client_secret"]
        listing = await run("clients", "list")
        assert created["client_id"] in listing
        assert created["client_secret"] not in listing
        await run("clients", "revoke", created["client_id"])
        assert "REVOKED" in await run("clients", "list")
        await create_member(db)
        rotated = await run("keys", "rotate")
        assert "new signing key" in rotated
        assert "current" in await run("keys", "list")


class TestDocs:
    def test_every_scope_is_documented(self) -> None:
        from pathlib import Path

        text = (Path(__file__).parents[2] / "docs" / "oauth.md").read_text(encoding="utf-8")
        for name, scope in SCOPES.items():
            assert f"| `{name}` | {scope.audience.value} | {scope.description} |" in text
