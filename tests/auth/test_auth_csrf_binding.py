"""The CSRF token is bound to the login session and replaced at sign-in; __Host- over https."""

from __future__ import annotations

import re

import httpx
from browser import forms_of, submit
from test_auth_code_flow import browser_for

from auth_factories import PASSWORD, create_member
from c2c_api.app import create_app
from c2c_api.config import Settings
from c2c_api.db import Database

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def token_of(page: httpx.Response) -> str:
    return forms_of(page.text)[0].value("csrf_token")


class TestBoundToTheSession:
    async def test_a_token_from_before_the_sign_in_is_refused_after_it(
        self, db: Database, app
    ) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        async with browser_for(app) as browser:
            before = await browser.get("/login")
            planted_cookie = browser.cookies["c2c_csrf"]
            planted_token = token_of(before)
            signed_in = await submit(browser, before, {"email": member.email, "password": PASSWORD})
            assert signed_in.status_code == 200
            # The sign-in replaced the CSRF cookie.
            assert browser.cookies["c2c_csrf"] != planted_cookie
            # Even with the old cookie put back (as a cookie-planting attacker would), the old
            # token does not match the new session.
            browser.cookies.set("c2c_csrf", planted_cookie, domain="127.0.0.1")
            response = await browser.post(
                "/logout", content=f"csrf_token={planted_token}", headers=FORM
            )
            assert response.status_code == 403
            # A form rendered in the session works.
            page = await browser.get("/logout")
            assert (await submit(browser, page)).status_code == 200

    async def test_the_sign_in_flow_still_reaches_the_consent_form(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        async with browser_for(app) as browser:
            page = await browser.get("/login")
            await submit(browser, page, {"email": member.email, "password": PASSWORD})
            logout = await browser.get("/logout")
            token = token_of(logout)
            assert re.fullmatch(r"[0-9a-f]{64}", token)
            response = await submit(browser, logout)
        assert response.status_code == 200


class TestHostPrefixOverHttps:
    async def test_the_cookie_is_host_prefixed_and_secure(self, settings: Settings) -> None:
        https = settings.model_copy(update={"issuer": "https://market.example"})
        database = Database(https)
        try:
            app = create_app(https, db=database)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="https://market.example"
            ) as browser:
                page = await browser.get("/login")
                header = page.headers["set-cookie"]
                assert header.startswith("__Host-c2c_csrf=")
                assert "Secure" in header and "Path=/" in header and "Domain" not in header
                # The form posts back with the prefixed cookie.
                response = await submit(browser, page, {"email": "x@example.com", "password": "x"})
                assert response.status_code == 401
        finally:
            await database.dispose()
