"""Authorization code + PKCE through the login form and the consent page, then refresh,
refresh reuse, revocation and introspection, with authlib's own OAuth client."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from browser import forms_of, submit

from auth_factories import (
    ALL_ADMIN_SCOPES,
    ALL_MEMBER_SCOPES,
    PASSWORD,
    REDIRECT_URI,
    bearer,
    create_member,
    create_oauth_client,
)
from c2c_api.auth.models import ClientKind, Consent, OAuthClient, RefreshToken
from c2c_api.db import Database
from c2c_api.users.models import Member

BASE = "http://127.0.0.1:8000"
AUTHORIZE_URL = f"{BASE}/oauth/authorize"
TOKEN_URL = f"{BASE}/oauth/token"
VIEWER = {"query": "{ viewer { id email } }"}


def oauth_client(app, client: OAuthClient, secret: str | None = None, **kw) -> AsyncOAuth2Client:  # type: ignore[no-untyped-def]
    return AsyncOAuth2Client(
        client_id=client.client_id,
        client_secret=secret,
        token_endpoint_auth_method="client_secret_basic" if secret else "none",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        transport=httpx.ASGITransport(app=app),
        base_url=BASE,
        **kw,
    )


def browser_for(app) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)


async def sign_in_and_authorize(
    browser: httpx.AsyncClient,
    authorization_url: str,
    member: Member,
    *,
    consent: str | None = "approve",
) -> httpx.Response:
    """Follow the authorization request as a person would; returns the redirect to the client."""
    response = await browser.get(authorization_url)
    if response.status_code == 303 and response.headers["location"].startswith("/login"):
        login_page = await browser.get(response.headers["location"])
        assert login_page.status_code == 200
        response = await submit(browser, login_page, {"email": member.email, "password": PASSWORD})
        assert response.status_code == 303, response.text
        response = await browser.get(response.headers["location"])
    if response.status_code == 200 and consent is not None:
        assert "/oauth/authorize" in forms_of(response.text)[0].action
        response = await submit(browser, response, button=("decision", consent))
    return response


async def run_code_flow(
    app, db: Database, client: OAuthClient, member: Member, scope: str, secret: str | None = None
) -> dict:  # type: ignore[no-untyped-def]
    verifier = generate_token(48)
    async with oauth_client(app, client, secret, scope=scope) as oauth, browser_for(app) as browser:
        url, state = oauth.create_authorization_url(AUTHORIZE_URL, code_verifier=verifier)
        redirect = await sign_in_and_authorize(browser, url, member)
        location = redirect.headers["location"]
        assert location.startswith(REDIRECT_URI), location
        assert parse_qs(urlsplit(location).query)["state"] == [state]
        return await oauth.fetch_token(
            TOKEN_URL, authorization_response=location, code_verifier=verifier
        )


class TestAuthorizationCodeWithPkce:
    async def test_third_party_public_client_through_login_and_consent(
        self, db: Database, app, client: httpx.AsyncClient
    ) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        registered, _ = await create_oauth_client(db)
        token = await run_code_flow(app, db, registered, member, "account:read listings:write")
        assert token["scope"] == "account:read listings:write"
        assert token["refresh_token"]
        response = await client.post("/graphql", json=VIEWER, headers=bearer(token["access_token"]))
        assert response.json()["data"]["viewer"]["email"] == member.email
        async with db.sessionmaker() as session:
            consent = (await session.exec(sa.select(Consent))).scalars().one()  # type: ignore[call-overload]
        assert sorted(consent.scopes) == ["account:read", "listings:write"]

    async def test_consent_is_remembered_and_asked_again_for_new_scopes(
        self, db: Database, app
    ) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        registered, _ = await create_oauth_client(db)
        async with browser_for(app) as browser:
            for scope, expects_consent in [
                ("account:read", True),
                ("account:read", False),
                ("account:read listings:write", True),
            ]:
                async with oauth_client(app, registered, scope=scope) as oauth:
                    url, _ = oauth.create_authorization_url(
                        AUTHORIZE_URL, code_verifier=generate_token(48)
                    )
                response = await browser.get(url)
                if response.status_code == 303 and "/login" in response.headers["location"]:
                    page = await browser.get(response.headers["location"])
                    response = await submit(
                        browser, page, {"email": member.email, "password": PASSWORD}
                    )
                    response = await browser.get(response.headers["location"])
                if expects_consent:
                    assert response.status_code == 200
                    assert "listings:write" in response.text or scope == "account:read"
                    response = await submit(browser, response, button=("decision", "approve"))
                assert response.headers["location"].startswith(REDIRECT_URI)

    async def test_first_party_client_skips_consent_and_operators_get_admin_scopes(
        self, db: Database, app, client: httpx.AsyncClient
    ) -> None:  # type: ignore[no-untyped-def]
        operator = await create_member(db, operator=True)
        console, _ = await create_oauth_client(
            db, scopes=[*ALL_MEMBER_SCOPES, *ALL_ADMIN_SCOPES], first_party=True
        )
        verifier = generate_token(48)
        async with oauth_client(app, console, scope="account:read admin:moderation") as oauth:
            url, _ = oauth.create_authorization_url(AUTHORIZE_URL, code_verifier=verifier)
            async with browser_for(app) as browser:
                redirect = await sign_in_and_authorize(browser, url, operator, consent=None)
            assert redirect.status_code == 302
            token = await oauth.fetch_token(
                TOKEN_URL,
                authorization_response=redirect.headers["location"],
                code_verifier=verifier,
            )
        assert token["scope"] == "account:read admin:moderation"

    async def test_non_operators_never_get_admin_scopes(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        console, _ = await create_oauth_client(
            db, scopes=[*ALL_MEMBER_SCOPES, *ALL_ADMIN_SCOPES], first_party=True
        )
        token = await run_code_flow(app, db, console, member, "account:read admin:moderation")
        assert token["scope"] == "account:read"

    async def test_denied_consent_redirects_with_access_denied(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        registered, _ = await create_oauth_client(db)
        async with oauth_client(app, registered, scope="account:read") as oauth:
            url, state = oauth.create_authorization_url(
                AUTHORIZE_URL, code_verifier=generate_token(48)
            )
        async with browser_for(app) as browser:
            redirect = await sign_in_and_authorize(browser, url, member, consent="deny")
        query = parse_qs(urlsplit(redirect.headers["location"]).query)
        assert query["error"] == ["access_denied"]
        assert query["state"] == [state]

    async def test_confidential_client_authenticates_at_the_token_endpoint(
        self, db: Database, app
    ) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        registered, secret = await create_oauth_client(db, kind=ClientKind.CONFIDENTIAL)
        token = await run_code_flow(app, db, registered, member, "account:read", secret=secret)
        assert token["scope"] == "account:read"


class TestRefreshRotation:
    async def test_refresh_rotates_the_refresh_token(
        self, db: Database, app, client: httpx.AsyncClient
    ) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        registered, _ = await create_oauth_client(db, first_party=True)
        first = await run_code_flow(app, db, registered, member, "account:read")
        async with oauth_client(app, registered) as oauth:
            second = await oauth.refresh_token(TOKEN_URL, refresh_token=first["refresh_token"])
        assert second["refresh_token"] != first["refresh_token"]
        assert second["access_token"] != first["access_token"]
        assert second["scope"] == "account:read"
        response = await client.post(
            "/graphql", json=VIEWER, headers=bearer(second["access_token"])
        )
        assert response.json()["data"]["viewer"]["email"] == member.email
        async with db.sessionmaker() as session:
            rows = (await session.exec(sa.select(RefreshToken))).scalars().all()  # type: ignore[call-overload]
        assert len(rows) == 2
        assert len({r.family_id for r in rows}) == 1
        assert sum(r.rotated_at is not None for r in rows) == 1

    async def test_reuse_of_a_rotated_token_revokes_the_whole_family(
        self, db: Database, app, client: httpx.AsyncClient
    ) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        registered, _ = await create_oauth_client(db, first_party=True)
        first = await run_code_flow(app, db, registered, member, "account:read")
        async with oauth_client(app, registered) as oauth:
            second = await oauth.refresh_token(TOKEN_URL, refresh_token=first["refresh_token"])
            with pytest.raises(OAuthError) as error:
                await oauth.refresh_token(TOKEN_URL, refresh_token=first["refresh_token"])
            assert error.value.error == "invalid_grant"
            # The legitimate holder's newer refresh token is dead too.
            with pytest.raises(OAuthError) as again:
                await oauth.refresh_token(TOKEN_URL, refresh_token=second["refresh_token"])
            assert again.value.error == "invalid_grant"
        for access in (first["access_token"], second["access_token"]):
            response = await client.post("/graphql", json=VIEWER, headers=bearer(access))
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'

    async def test_a_narrower_scope_may_be_asked(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        registered, _ = await create_oauth_client(db, first_party=True)
        first = await run_code_flow(app, db, registered, member, "account:read listings:write")
        async with oauth_client(app, registered) as oauth:
            narrower = await oauth.refresh_token(
                TOKEN_URL, refresh_token=first["refresh_token"], scope="listings:write"
            )
            assert narrower["scope"] == "listings:write"
            with pytest.raises(OAuthError) as error:
                await oauth.refresh_token(
                    TOKEN_URL, refresh_token=narrower["refresh_token"], scope="messages:write"
                )
        assert error.value.error == "invalid_scope"


class TestRevocationAndIntrospection:
    async def test_revoking_an_access_token(
        self, db: Database, app, client: httpx.AsyncClient
    ) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        registered, _ = await create_oauth_client(db, first_party=True)
        token = await run_code_flow(app, db, registered, member, "account:read")
        async with oauth_client(app, registered) as oauth:
            response = await oauth.revoke_token(
                f"{BASE}/oauth/revoke", token=token["access_token"], token_type_hint="access_token"
            )
        assert response.status_code == 200
        graphql = await client.post("/graphql", json=VIEWER, headers=bearer(token["access_token"]))
        assert graphql.status_code == 401

    async def test_revoking_a_refresh_token_revokes_its_family(
        self, db: Database, app, client: httpx.AsyncClient
    ) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        registered, _ = await create_oauth_client(db, first_party=True)
        token = await run_code_flow(app, db, registered, member, "account:read")
        async with oauth_client(app, registered) as oauth:
            response = await oauth.revoke_token(
                f"{BASE}/oauth/revoke",
                token=token["refresh_token"],
                token_type_hint="refresh_token",
            )
            assert response.status_code == 200
            with pytest.raises(OAuthError):
                await oauth.refresh_token(TOKEN_URL, refresh_token=token["refresh_token"])
        graphql = await client.post("/graphql", json=VIEWER, headers=bearer(token["access_token"]))
        assert graphql.status_code == 401

    async def test_unknown_token_revocation_is_200(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        registered, _ = await create_oauth_client(db)
        async with oauth_client(app, registered) as oauth:
            response = await oauth.revoke_token(f"{BASE}/oauth/revoke", token="no-such-token")
        assert response.status_code == 200

    async def test_introspection_by_the_client_itself(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        registered, secret = await create_oauth_client(db, kind=ClientKind.CONFIDENTIAL)
        token = await run_code_flow(app, db, registered, member, "account:read", secret=secret)
        async with oauth_client(app, registered, secret) as oauth:
            active = (
                await oauth.introspect_token(
                    f"{BASE}/oauth/introspect", token=token["access_token"]
                )
            ).json()
            assert active["active"] is True
            assert active["sub"] == str(member.id)
            assert active["client_id"] == registered.client_id
            assert active["scope"] == "account:read"
            refresh = (
                await oauth.introspect_token(
                    f"{BASE}/oauth/introspect",
                    token=token["refresh_token"],
                    token_type_hint="refresh_token",
                )
            ).json()
            assert refresh["active"] is True
            await oauth.revoke_token(f"{BASE}/oauth/revoke", token=token["access_token"])
            revoked = (
                await oauth.introspect_token(
                    f"{BASE}/oauth/introspect", token=token["access_token"]
                )
            ).json()
            assert revoked == {"active": False}
            unknown = (
                await oauth.introspect_token(f"{BASE}/oauth/introspect", token="nope")
            ).json()
            assert unknown == {"active": False}

    async def test_a_client_cannot_introspect_another_clients_token_unless_first_party(
        self, db: Database, app
    ) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        public, _ = await create_oauth_client(db, first_party=True)
        token = await run_code_flow(app, db, public, member, "account:read")
        other, other_secret = await create_oauth_client(db, kind=ClientKind.CONFIDENTIAL)
        gateway, gateway_secret = await create_oauth_client(
            db, kind=ClientKind.CONFIDENTIAL, first_party=True
        )
        async with oauth_client(app, other, other_secret) as oauth:
            body = (
                await oauth.introspect_token(
                    f"{BASE}/oauth/introspect", token=token["access_token"]
                )
            ).json()
        assert body == {"active": False}
        async with oauth_client(app, gateway, gateway_secret) as oauth:
            body = (
                await oauth.introspect_token(
                    f"{BASE}/oauth/introspect", token=token["access_token"]
                )
            ).json()
        assert body["active"] is True

    async def test_public_clients_cannot_introspect(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        public, _ = await create_oauth_client(db)
        response = await client.post(
            "/oauth/introspect", data={"token": "x", "client_id": public.client_id}
        )
        assert response.status_code in (400, 401)
        assert response.json()["error"] == "invalid_client"
