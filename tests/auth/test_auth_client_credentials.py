"""Client credentials for confidential partner clients, driven by authlib's own OAuth client."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from auth_factories import (
    ALL_PARTNER_SCOPES,
    bearer,
    create_oauth_client,
    create_partner,
)
from c2c_api.auth.models import ClientKind
from c2c_api.db import Database

BASE = "http://127.0.0.1:8000"
TOKEN_URL = f"{BASE}/oauth/token"


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def header_of(token: str) -> dict:
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def oauth_client(app, **kwargs) -> AsyncOAuth2Client:  # type: ignore[no-untyped-def]
    return AsyncOAuth2Client(transport=httpx.ASGITransport(app=app), base_url=BASE, **kwargs)


async def partner_client(db: Database, scopes: list[str] | None = None):  # type: ignore[no-untyped-def]
    partner = await create_partner(db, slug="acme")
    client, secret = await create_oauth_client(
        db,
        kind=ClientKind.CONFIDENTIAL,
        scopes=scopes or ALL_PARTNER_SCOPES,
        redirect_uris=[],
        partner=partner,
    )
    return partner, client, secret


class TestClientCredentials:
    @pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
    async def test_issues_a_partner_token(self, db: Database, app, client, auth_method) -> None:  # type: ignore[no-untyped-def]
        partner, registered, secret = await partner_client(db)
        async with oauth_client(
            app,
            client_id=registered.client_id,
            client_secret=secret,
            token_endpoint_auth_method=auth_method,
        ) as oauth:
            token = await oauth.fetch_token(
                TOKEN_URL, grant_type="client_credentials", scope="partner:read"
            )
        assert token["token_type"].lower() == "bearer"
        assert token["scope"] == "partner:read"
        assert token["expires_in"] == db.settings.client_credentials_token_ttl
        assert "refresh_token" not in token
        claims = claims_of(token["access_token"])
        assert claims["sub"] == registered.client_id
        assert claims["client_id"] == registered.client_id
        assert claims["partner_id"] == str(partner.id)
        assert claims["aud"] == db.settings.issuer + "/graphql"
        assert claims["iss"] == db.settings.issuer
        assert claims["exp"] - claims["iat"] == db.settings.client_credentials_token_ttl
        assert header_of(token["access_token"])["typ"] == "at+jwt"

        response = await client.post(
            "/graphql",
            json={"query": "{ partner { slug } }"},
            headers=bearer(token["access_token"]),
        )
        assert response.status_code == 200, response.text
        assert response.json()["data"] == {"partner": {"slug": "acme"}}

    async def test_default_scope_is_every_partner_scope_of_the_client(
        self, db: Database, app
    ) -> None:  # type: ignore[no-untyped-def]
        _, registered, secret = await partner_client(db, scopes=["partner:read", "partner:catalog"])
        async with oauth_client(app, client_id=registered.client_id, client_secret=secret) as oauth:
            token = await oauth.fetch_token(TOKEN_URL, grant_type="client_credentials")
        assert token["scope"] == "partner:read partner:catalog"

    async def test_member_scopes_are_never_granted(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        _, registered, secret = await partner_client(db)
        async with oauth_client(app, client_id=registered.client_id, client_secret=secret) as oauth:
            with pytest.raises(OAuthError) as error:
                await oauth.fetch_token(
                    TOKEN_URL, grant_type="client_credentials", scope="account:read"
                )
        assert error.value.error == "invalid_scope"

    async def test_wrong_secret_is_invalid_client_with_basic_challenge(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _, registered, _ = await partner_client(db)
        response = await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(registered.client_id, "wrong"),
        )
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
        assert response.headers["www-authenticate"].startswith("Basic")
        assert response.headers["cache-control"] == "no-store"

    async def test_wrong_secret_in_the_body_is_invalid_client(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _, registered, _ = await partner_client(db)
        response = await client.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": registered.client_id,
                "client_secret": "wrong",
            },
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_client"
        assert "www-authenticate" not in response.headers

    async def test_public_clients_cannot_use_it(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        public, _ = await create_oauth_client(db)
        response = await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": public.client_id},
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_client"

    async def test_revoked_client_is_refused_and_its_tokens_die(
        self, db: Database, app, client: httpx.AsyncClient
    ) -> None:  # type: ignore[no-untyped-def]
        from c2c_api.auth.clients import revoke_client

        _, registered, secret = await partner_client(db)
        async with oauth_client(app, client_id=registered.client_id, client_secret=secret) as oauth:
            token = await oauth.fetch_token(TOKEN_URL, grant_type="client_credentials")
        async with db.transaction() as session:
            await revoke_client(session, client_id=registered.client_id)
        response = await client.post(
            "/graphql",
            json={"query": "{ partner { slug } }"},
            headers=bearer(token["access_token"]),
        )
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
        again = await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(registered.client_id, secret),
        )
        assert again.status_code == 401
        assert again.json()["error"] == "invalid_client"
