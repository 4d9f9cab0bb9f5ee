"""Bad input at the OAuth endpoints: the status and error body RFC 6749 prescribes, no 500."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from test_auth_code_flow import VIEWER, browser_for, sign_in_and_authorize

from auth_factories import REDIRECT_URI, bearer, create_member, create_oauth_client
from c2c_api.db import Database
from c2c_api.kit.clock import clock, utcnow


def authorize_url(client_id: str, **params: str) -> str:
    verifier = params.pop("verifier", generate_token(48))
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "account:read",
        "state": "xyz",
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    query.update(params)
    return "/oauth/authorize?" + urlencode({k: v for k, v in query.items() if v != ""})


async def a_code(app, db: Database, **params: str) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """(client_id, code, verifier) for a fresh member through a first-party public client."""
    member = await create_member(db)
    registered, _ = await create_oauth_client(db, first_party=True)
    verifier = generate_token(48)
    async with browser_for(app) as browser:
        redirect = await sign_in_and_authorize(
            browser, authorize_url(registered.client_id, verifier=verifier, **params), member
        )
    code = parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]
    return registered.client_id, code, verifier


def exchange(client_id: str, code: str, verifier: str, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": client_id,
        "code_verifier": verifier,
        **extra,
    }


def assert_oauth_error(response: httpx.Response, error: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"


class TestAuthorizationRequestErrors:
    async def test_unknown_client_gets_an_error_page_not_a_redirect(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        response = await client.get(authorize_url("nope"))
        assert response.status_code == 400
        assert "location" not in response.headers
        assert "invalid_client" in response.text

    async def test_unregistered_redirect_uri_gets_an_error_page(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        registered, _ = await create_oauth_client(db)
        for uri in ("https://evil.example/cb", REDIRECT_URI + "/", REDIRECT_URI + "?x=1"):
            response = await client.get(authorize_url(registered.client_id, redirect_uri=uri))
            assert response.status_code == 400, uri
            assert "location" not in response.headers

    @pytest.mark.parametrize(
        ("params", "error"),
        [
            ({"code_challenge": "", "code_challenge_method": ""}, "invalid_request"),
            ({"code_challenge_method": "plain"}, "invalid_request"),
            ({"scope": "no:such"}, "invalid_scope"),
            ({"scope": "partner:read"}, "invalid_scope"),
            ({"response_type": "token"}, "unsupported_response_type"),
        ],
    )
    async def test_other_errors_redirect_to_the_client(
        self, db: Database, client: httpx.AsyncClient, params: dict[str, str], error: str
    ) -> None:
        registered, _ = await create_oauth_client(db)
        response = await client.get(authorize_url(registered.client_id, **params))
        assert response.status_code == 302, response.text
        query = parse_qs(urlsplit(response.headers["location"]).query)
        assert response.headers["location"].startswith(REDIRECT_URI)
        assert query["error"] == [error]
        assert query["state"] == ["xyz"]

    async def test_consent_post_without_csrf_token_is_refused(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        registered, _ = await create_oauth_client(db)
        response = await client.post(
            "/oauth/authorize", data={"client_id": registered.client_id, "decision": "approve"}
        )
        assert response.status_code == 403


class TestTokenRequestErrors:
    async def test_reused_code_is_refused_and_revokes_its_tokens(
        self, db: Database, app, client: httpx.AsyncClient
    ) -> None:  # type: ignore[no-untyped-def]
        client_id, code, verifier = await a_code(app, db)
        first = await client.post("/oauth/token", data=exchange(client_id, code, verifier))
        assert first.status_code == 200
        tokens = first.json()
        again = await client.post("/oauth/token", data=exchange(client_id, code, verifier))
        assert_oauth_error(again, "invalid_grant")
        response = await client.post(
            "/graphql", json=VIEWER, headers=bearer(tokens["access_token"])
        )
        assert response.status_code == 401
        refresh = await client.post(
            "/oauth/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh_token"],
                "client_id": client_id,
            },
        )
        assert_oauth_error(refresh, "invalid_grant")

    async def test_code_verifier_mismatch(
        self, db: Database, app, client: httpx.AsyncClient
    ) -> None:  # type: ignore[no-untyped-def]
        client_id, code, _ = await a_code(app, db)
        response = await client.post(
            "/oauth/token", data=exchange(client_id, code, generate_token(48))
        )
        assert_oauth_error(response, "invalid_grant")

    async def test_missing_code_verifier(
        self, db: Database, app, client: httpx.AsyncClient
    ) -> None:  # type: ignore[no-untyped-def]
        client_id, code, _ = await a_code(app, db)
        data = exchange(client_id, code, "")
        del data["code_verifier"]
        assert_oauth_error(await client.post("/oauth/token", data=data), "invalid_request")

    async def test_expired_code(self, db: Database, app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
        client_id, code, verifier = await a_code(app, db)
        clock.freeze(utcnow() + timedelta(seconds=db.settings.authorization_code_ttl + 1))
        response = await client.post("/oauth/token", data=exchange(client_id, code, verifier))
        assert_oauth_error(response, "invalid_grant")

    async def test_wrong_redirect_uri(self, db: Database, app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
        client_id, code, verifier = await a_code(app, db)
        response = await client.post(
            "/oauth/token",
            data=exchange(client_id, code, verifier, redirect_uri="http://127.0.0.1:3000/other"),
        )
        assert_oauth_error(response, "invalid_grant")

    async def test_code_of_another_client(
        self, db: Database, app, client: httpx.AsyncClient
    ) -> None:  # type: ignore[no-untyped-def]
        _, code, verifier = await a_code(app, db)
        other, _ = await create_oauth_client(db)
        response = await client.post("/oauth/token", data=exchange(other.client_id, code, verifier))
        assert_oauth_error(response, "invalid_grant")

    async def test_unsupported_grant_type(self, db: Database, client: httpx.AsyncClient) -> None:
        registered, _ = await create_oauth_client(db)
        response = await client.post(
            "/oauth/token",
            data={"grant_type": "password", "client_id": registered.client_id},
        )
        assert_oauth_error(response, "unsupported_grant_type")

    async def test_unknown_refresh_token(self, db: Database, client: httpx.AsyncClient) -> None:
        registered, _ = await create_oauth_client(db)
        response = await client.post(
            "/oauth/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": "nope",
                "client_id": registered.client_id,
            },
        )
        assert_oauth_error(response, "invalid_grant")

    @pytest.mark.parametrize(
        ("content", "content_type"),
        [
            (b'{"grant_type": "client_credentials"}', "application/json"),
            (b"grant_type=client_credentials", "text/plain"),
            (b"grant_type=\xff\xfe", "application/x-www-form-urlencoded"),
            (b"grant_type=a&grant_type=b", "application/x-www-form-urlencoded"),
            (b"", "application/x-www-form-urlencoded"),
        ],
    )
    async def test_malformed_bodies(
        self, db: Database, client: httpx.AsyncClient, content: bytes, content_type: str
    ) -> None:
        response = await client.post(
            "/oauth/token", content=content, headers={"Content-Type": content_type}
        )
        assert response.status_code == 400
        assert response.json()["error"] in ("invalid_request", "unsupported_grant_type")
        assert response.headers["cache-control"] == "no-store"


class TestBearerTokenErrors:
    async def test_expired_token_is_401(self, db: Database, app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
        client_id, code, verifier = await a_code(app, db)
        tokens = (
            await client.post("/oauth/token", data=exchange(client_id, code, verifier))
        ).json()
        clock.freeze(utcnow() + timedelta(seconds=db.settings.access_token_ttl + 1))
        response = await client.post(
            "/graphql", json=VIEWER, headers=bearer(tokens["access_token"])
        )
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'

    @pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.e30."])
    async def test_malformed_tokens_are_401(
        self, db: Database, client: httpx.AsyncClient, token: str
    ) -> None:
        response = await client.post("/graphql", json=VIEWER, headers=bearer(token))
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'

    async def test_tampered_token_is_401(
        self, db: Database, app, client: httpx.AsyncClient
    ) -> None:  # type: ignore[no-untyped-def]
        import base64
        import json

        client_id, code, verifier = await a_code(app, db)
        token = (
            await client.post("/oauth/token", data=exchange(client_id, code, verifier))
        ).json()["access_token"]
        header, payload, signature = token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["scope"] = "account:read admin:moderation"
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        response = await client.post(
            "/graphql", json=VIEWER, headers=bearer(f"{header}.{forged}.{signature}")
        )
        assert response.status_code == 401
