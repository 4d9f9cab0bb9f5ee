"""Security review fixes at the OAuth edge: floods, control characters, odd encodings."""

from __future__ import annotations

import base64
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import sqlalchemy as sa
from browser import submit
from sqlmodel import col
from test_auth_code_flow import browser_for

from auth_factories import bearer, create_member, create_member_with_token, create_oauth_client
from c2c_api.auth.models import AccessToken, LoginAttempt
from c2c_api.db import Database
from c2c_api.users.models import Member

FORM_TYPE = "application/x-www-form-urlencoded"
FORM = {"Content-Type": FORM_TYPE}
MULTIPART = {"Content-Type": "multipart/form-data; boundary=x"}


class TestParameterFlood:
    async def test_a_body_of_100k_fields_is_refused_fast(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        body = "&".join(f"p{i}=x" for i in range(100_000))  # under the 1 MiB body limit
        assert len(body) < db.settings.max_body_bytes
        started = time.perf_counter()
        response = await client.post("/oauth/token", content=body, headers=FORM)
        elapsed = time.perf_counter() - started
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
        assert elapsed < 1.0

    async def test_many_repeats_of_one_name_are_refused_fast(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        body = "&".join(["scope=a"] * 100_000)
        started = time.perf_counter()
        response = await client.post("/oauth/revoke", content=body, headers=FORM)
        assert time.perf_counter() - started < 1.0
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"

    async def test_a_repeated_parameter_is_still_named(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            "/oauth/token", content="grant_type=a&grant_type=b&scope=x", headers=FORM
        )
        assert response.status_code == 400
        assert response.json() == {
            "error": "invalid_request",
            "error_description": "Repeated parameter: grant_type.",
        }


def basic(raw: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


class TestControlCharacters:
    async def test_authorize_with_nul_in_client_id_is_an_error_page(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        response = await client.get(
            "/oauth/authorize", params={"client_id": "a\x00", "response_type": "code"}
        )
        assert response.status_code == 400
        assert "invalid_request" in response.text

    async def test_token_with_nul_in_form_client_id_is_invalid_request(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        form = {"grant_type": "refresh_token", "client_id": "c\x00", "refresh_token": "x"}
        response = await client.post("/oauth/token", content=urlencode(form), headers=FORM)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"

    @pytest.mark.parametrize("raw", [b"c\x00:s", b"c%00:s"])
    async def test_token_with_nul_in_basic_client_id_is_invalid_client(
        self, db: Database, client: httpx.AsyncClient, raw: bytes
    ) -> None:
        response = await client.post(
            "/oauth/token", content="grant_type=client_credentials", headers={**FORM, **basic(raw)}
        )
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"

    async def test_basic_credentials_that_are_not_utf8_are_invalid_client(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        for endpoint in ("/oauth/token", "/oauth/revoke", "/oauth/introspect"):
            response = await client.post(
                endpoint,
                content="grant_type=client_credentials&token=x",
                headers={**FORM, **basic(b"\xff\xfe:\xff")},
            )
            assert response.status_code == 401, (endpoint, response.text)
            assert response.json()["error"] == "invalid_client"
            assert response.headers["www-authenticate"].startswith("Basic ")

    async def test_login_with_nul_in_the_email_is_a_form_error(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        async with browser_for(app) as browser:
            page = await browser.get("/login")
            response = await submit(
                browser, page, {"email": "a\x00@example.com", "password": "x" * 12}
            )
        assert response.status_code == 400
        async with db.sessionmaker() as session:
            assert (await session.exec(sa.select(LoginAttempt))).first() is None  # type: ignore[call-overload]

    async def test_signup_with_nul_in_client_id_is_a_form_error(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        async with browser_for(app) as browser:
            page = await browser.get("/signup")
            response = await submit(
                browser,
                page,
                {
                    "email": "z@example.com",
                    "password": "a long password 12",
                    "display_name": "x",
                    "client_id": "a\x00",
                },
            )
        assert response.status_code == 400
        async with db.sessionmaker() as session:
            assert (await session.exec(sa.select(Member))).first() is None  # type: ignore[call-overload]

    async def test_a_password_may_hold_control_characters(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        async with browser_for(app) as browser:
            page = await browser.get("/login")
            response = await submit(
                browser, page, {"email": member.email, "password": "tab\there\x00"}
            )
        assert response.status_code == 401  # checked (and wrong), not refused as malformed


class TestCsrfToken:
    async def test_a_non_ascii_csrf_token_is_refused_not_a_crash(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        async with browser_for(app) as browser:
            page = await browser.get("/login")
            response = await submit(
                browser, page, {"email": "a@example.com", "password": "x", "csrf_token": "é☃"}
            )
        assert response.status_code == 403

    async def test_a_body_that_is_not_utf8_is_refused(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        async with browser_for(app) as browser:
            await browser.get("/login")  # the CSRF cookie
            for path in ("/login", "/signup", "/logout", "/account/forgot-password"):
                response = await browser.post(
                    path, content=b"email=\xff&csrf_token=\xff", headers=FORM
                )
                assert response.status_code == 403, path


# -- a small fuzz over the OAuth endpoints and the hosted forms -------------------------------

ODD_TOKENS = [
    "a.b.c",
    "..",
    "é.é.é",
    "\u2603" * 100,
    "x" * 100_000,
    "eyJhbGciOiJub25lIn0.e30.",
]


def fuzz_requests(client_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, httpx keyword arguments) of odd requests; none may get a 5xx."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    for value in ["\x00", "a\x00", "\x7f", "é☃", "x" * 5000, "%ff", "\ud7ff", "\n"]:
        for name in ("client_id", "redirect_uri", "scope", "state", "code_challenge", "nonce"):
            params = {
                "client_id": client_id,
                "response_type": "code",
                "code_challenge": "a" * 43,
                "code_challenge_method": "S256",
                name: value,
            }
            out.append(("GET", "/oauth/authorize", {"params": params}))
        for grant in ("authorization_code", "refresh_token", "client_credentials", value):
            form = {
                "grant_type": grant,
                "client_id": value,
                "code": value,
                "refresh_token": value,
                "code_verifier": value,
                "redirect_uri": value,
                "scope": value,
            }
            out.append(("POST", "/oauth/token", {"content": urlencode(form), "headers": FORM}))
        for path in ("/oauth/revoke", "/oauth/introspect"):
            for hint in ("access_token", "refresh_token", value):
                form = {"token": value, "token_type_hint": hint, "client_id": client_id}
                out.append(("POST", path, {"content": urlencode(form), "headers": FORM}))
            out.append(
                ("POST", path, {"content": "token=x", "headers": {**FORM, **basic(value.encode())}})
            )
    for token in ODD_TOKENS:
        for path in ("/oauth/revoke", "/oauth/introspect", "/oauth/token"):
            form = {"token": token, "refresh_token": token, "grant_type": "refresh_token"}
            body = urlencode({**form, "client_id": client_id})
            out.append(("POST", path, {"content": body, "headers": FORM}))
    for path in ("/oauth/token", "/oauth/revoke", "/oauth/introspect", "/oauth/authorize"):
        out += [
            ("POST", path, {"json": {"grant_type": "client_credentials"}}),
            ("POST", path, {"files": {"f": ("a", b"x")}}),
            ("POST", path, {"content": b"grant_type=\xff", "headers": FORM}),
            ("POST", path, {"content": "a=1&a=2&b", "headers": FORM}),
            ("POST", path, {"content": "x" * 2_000_000, "headers": FORM}),
            ("POST", path, {"content": "a=1", "headers": {"Content-Type": "text/plain"}}),
            (
                "POST",
                path,
                {"content": "a=1", "headers": {"Content-Type": FORM_TYPE + "; charset=x"}},
            ),
            ("GET", path, {}),
        ]
    pages = ["/login", "/signup", "/logout", "/account/forgot-password"]
    pages += ["/account/reset-password", "/account/verify-email"]
    for path in pages:
        odd = {
            "next": "/\x00",
            "token": "x\x00" * 150,
            "ui_locales": "☃" * 500,
            "client_id": "\x00",
        }
        out += [
            ("GET", path, {"params": odd}),
            ("POST", path, {"json": {"a": 1}}),
            ("POST", path, {"files": {"f": ("a", b"x")}}),
            ("POST", path, {"content": b"email=\xff&csrf_token=\xff", "headers": FORM}),
            (
                "POST",
                path,
                {
                    "content": "--x\r\nbroken",
                    "headers": {"Content-Type": "multipart/form-data; boundary=x"},
                },
            ),
        ]
    return out


class TestFuzz:
    async def test_no_odd_request_gets_a_server_error(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        registered, _ = await create_oauth_client(db)
        failures = []
        for method, path, kwargs in fuzz_requests(registered.client_id):
            response = await client.request(method, path, **kwargs)
            if response.status_code >= 500:
                failures.append((method, path, str(kwargs)[-160:], response.status_code))
        assert failures == []

    async def test_odd_form_fields_with_a_valid_csrf_token_get_no_server_error(
        self, db: Database, app
    ) -> None:  # type: ignore[no-untyped-def]
        failures = []
        async with browser_for(app) as browser:
            for path in ("/login", "/signup", "/account/forgot-password", "/logout"):
                page = await browser.get(path)
                for value in ["\x00", "é☃" * 2000, "\ud7ff", "a\x00@example.com", "x" * 10_000]:
                    fields = ("email", "password", "display_name", "client_id", "next")
                    response = await submit(browser, page, dict.fromkeys(fields, value))
                    if response.status_code >= 500:
                        failures.append((path, value[:10], response.status_code))
        assert failures == []


class TestAccessTokenScopes:
    async def test_the_stored_scopes_are_the_authority_not_the_claim(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        member, token = await create_member_with_token(db, scopes=["account:read", "account:write"])
        async with db.transaction() as session:
            await session.exec(
                sa.update(AccessToken)
                .where(col(AccessToken.member_id) == member.id)
                .values(scope="account:read")
            )
        query = 'mutation { updateProfile(input: {city: "Lyon"}) { __typename } }'
        response = await client.post("/graphql", json={"query": query}, headers=bearer(token))
        body = response.json()
        assert body.get("data") is None or body["data"].get("updateProfile") is None
        assert body["errors"][0]["extensions"]["code"] in ("FORBIDDEN", "INSUFFICIENT_SCOPE")
        viewer = await client.post(
            "/graphql", json={"query": "{ viewer { id } }"}, headers=bearer(token)
        )
        assert viewer.json()["data"]["viewer"] is not None
