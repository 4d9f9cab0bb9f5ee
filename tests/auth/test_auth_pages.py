"""Hosted pages: login (throttled), logout, sign-up through a storefront, password reset,
e-mail verification, French, CSRF."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import sqlalchemy as sa
from browser import forms_of, submit
from test_auth_code_flow import browser_for

from auth_factories import (
    PASSWORD,
    REDIRECT_URI,
    create_member,
    create_oauth_client,
    create_partner,
)
from c2c_api.auth.models import ClientKind, LoginSession
from c2c_api.auth.sessions import record_attempt
from c2c_api.db import Database
from c2c_api.kit.clock import clock, utcnow
from c2c_api.users.models import MailMessage, Member, MemberStatus


async def login(browser: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    page = await browser.get("/login")
    return await submit(browser, page, {"email": email, "password": password})


async def login_once(app, email: str, password: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    """A sign-in from a new browser (no session yet), from the same address."""
    async with browser_for(app) as browser:
        return await login(browser, email, password)


class TestLogin:
    async def test_right_password_opens_a_session(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        async with browser_for(app) as browser:
            response = await login(browser, member.email.upper(), PASSWORD)
            assert response.status_code == 200
            assert member.email in response.text
            cookie = response.headers["set-cookie"]
        assert "c2c_session=" in cookie
        assert "httponly" in cookie.lower()
        assert "samesite=lax" in cookie.lower()
        async with db.sessionmaker() as session:
            sessions = (await session.exec(sa.select(LoginSession))).scalars().all()  # type: ignore[call-overload]
        assert len(sessions) == 1
        assert sessions[0].token_digest not in cookie  # only the digest is stored

    async def test_wrong_password(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        async with browser_for(app) as browser:
            response = await login(browser, member.email, "wrong password!")
        assert response.status_code == 401  # the form again, with the error (docs/oauth.md)
        assert "Wrong e-mail address or password." in response.text
        assert forms_of(response.text)[0].value("email") == member.email
        assert "c2c_session=" not in response.headers.get("set-cookie", "")
        assert "www-authenticate" not in response.headers

    async def test_unknown_email_answers_like_a_wrong_password(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        async with browser_for(app) as browser:
            response = await login(browser, "nobody@example.com", "wrong password!")
        assert response.status_code == 401
        assert "Wrong e-mail address or password." in response.text

    async def test_suspended_member_cannot_sign_in(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db, status=MemberStatus.SUSPENDED)
        async with browser_for(app) as browser:
            response = await login(browser, member.email, PASSWORD)
        assert response.status_code == 403
        assert "suspended" in response.text

    async def test_post_without_csrf_token_is_refused(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        async with browser_for(app) as browser:
            response = await browser.post(
                "/login", data={"email": member.email, "password": PASSWORD}
            )
        assert response.status_code == 403

    async def test_next_must_be_local(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        async with browser_for(app) as browser:
            page = await browser.get("/login", params={"next": "//evil.example/x"})
            assert forms_of(page.text)[0].value("next") == ""
            response = await submit(
                browser, page, {"email": member.email, "password": PASSWORD, "next": "https://evil"}
            )
        assert response.status_code == 200

    async def test_french(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        async with browser_for(app) as browser:
            by_header = await browser.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
            by_param = await browser.get("/login", params={"ui_locales": "fr en"})
        for page in (by_header, by_param):
            assert '<html lang="fr">' in page.text
            assert "Mot de passe" in page.text
        assert "<script" not in by_header.text
        assert "http" not in re.sub(r'(href|action)="[^"]*"', "", by_header.text)


class TestThrottling:
    async def test_too_many_failures_for_an_account_refuse_even_the_right_password(
        self, db: Database, app
    ) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        async with browser_for(app) as browser:
            for _ in range(db.settings.login_max_failures_per_account):
                assert (await login(browser, member.email, "wrong password!")).status_code == 401
            response = await login(browser, member.email, PASSWORD)
        assert response.status_code == 429
        assert "Too many attempts" in response.text

    async def test_too_many_failures_from_an_address(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        async with browser_for(app) as browser:
            for i in range(db.settings.login_max_failures_per_address):
                response = await login(browser, f"nobody{i}@example.com", "wrong password!")
                assert response.status_code == 401
            response = await login(browser, member.email, PASSWORD)
        assert response.status_code == 429

    async def test_the_window_passes(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        async with browser_for(app) as browser:
            for _ in range(db.settings.login_max_failures_per_account):
                await login(browser, member.email, "wrong password!")
            clock.freeze(utcnow() + timedelta(seconds=db.settings.login_throttle_window + 1))
            response = await login(browser, member.email, PASSWORD)
        assert response.status_code == 200


class TestThrottlingResetBySuccess:
    async def test_a_success_clears_the_accounts_earlier_failures(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        limit = db.settings.login_max_failures_per_account
        async with browser_for(app) as browser:
            for _ in range(limit - 1):
                assert (await login(browser, member.email, "wrong password!")).status_code == 401
            clock.freeze(utcnow() + timedelta(seconds=1))
            assert (await login_once(app, member.email, PASSWORD)).status_code == 200
            clock.freeze(utcnow() + timedelta(seconds=1))
            # Without the reset, the next failure would reach the limit and lock the account.
            for _ in range(limit - 1):
                assert (await login(browser, member.email, "wrong password!")).status_code == 401
            clock.freeze(utcnow() + timedelta(seconds=1))
            assert (await login_once(app, member.email, PASSWORD)).status_code == 200

    async def test_failures_after_the_success_still_lock_the_account(
        self, db: Database, app
    ) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        async with browser_for(app) as browser:
            assert (await login_once(app, member.email, PASSWORD)).status_code == 200
            clock.freeze(utcnow() + timedelta(seconds=1))
            for _ in range(db.settings.login_max_failures_per_account):
                assert (await login(browser, member.email, "wrong password!")).status_code == 401
            response = await login_once(app, member.email, PASSWORD)
        assert response.status_code == 429

    async def test_the_address_count_is_not_reset(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        limit = db.settings.login_max_failures_per_address
        # Earlier failures from this address (the test client's) on other accounts, recorded as
        # the login form records them; typing them all would cost an Argon2 check each.
        async with db.transaction() as session:
            for i in range(limit - 1):
                await record_attempt(
                    session, email=f"nobody{i}@example.com", address="127.0.0.1", succeeded=False
                )
        clock.freeze(utcnow() + timedelta(seconds=1))
        assert (await login_once(app, member.email, PASSWORD)).status_code == 200
        clock.freeze(utcnow() + timedelta(seconds=1))
        assert (await login_once(app, "other@example.com", "wrong password!")).status_code == 401
        response = await login_once(app, member.email, PASSWORD)
        assert response.status_code == 429


class TestLogout:
    async def test_logout_ends_the_session(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        async with browser_for(app) as browser:
            await login(browser, member.email, PASSWORD)
            page = await browser.get("/logout")
            response = await submit(browser, page)
            assert response.status_code == 200
            again = await browser.get("/login")
        assert forms_of(again.text)  # the login form again, not "signed in as"
        async with db.sessionmaker() as session:
            row = (await session.exec(sa.select(LoginSession))).scalars().one()  # type: ignore[call-overload]
        assert row.revoked_at is not None


class TestSignUp:
    async def test_sign_up_through_a_partner_storefront_continues_the_oauth_request(
        self, db: Database, app
    ) -> None:  # type: ignore[no-untyped-def]
        partner = await create_partner(db)
        storefront, _ = await create_oauth_client(
            db, kind=ClientKind.CONFIDENTIAL, partner=partner, first_party=True
        )
        authorize = (
            f"/oauth/authorize?response_type=code&client_id={storefront.client_id}"
            f"&redirect_uri={REDIRECT_URI}&scope=account:read&state=s1"
        )
        async with browser_for(app) as browser:
            to_login = await browser.get(authorize)
            login_page = await browser.get(to_login.headers["location"])
            signup_link = re.search(r'href="(/signup[^"]*)"', login_page.text)
            assert signup_link is not None
            page = await browser.get(signup_link.group(1).replace("&amp;", "&"))
            assert forms_of(page.text)[0].value("client_id") == storefront.client_id
            response = await submit(
                browser,
                page,
                {"display_name": "Ann", "email": "ann@example.com", "password": PASSWORD},
            )
            assert response.status_code == 303, response.text
            redirect = await browser.get(response.headers["location"])
        assert redirect.status_code == 302
        assert parse_qs(urlsplit(redirect.headers["location"]).query)["state"] == ["s1"]
        async with db.sessionmaker() as session:
            member = (
                (
                    await session.exec(sa.select(Member).where(Member.email == "ann@example.com"))  # type: ignore[call-overload]
                )
                .scalars()
                .one()
            )
            mails = (await session.exec(sa.select(MailMessage))).scalars().all()  # type: ignore[call-overload]
        assert member.partner_id == partner.id
        assert [m.to_address for m in mails] == ["ann@example.com"]

    async def test_email_taken_and_weak_password(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        async with browser_for(app) as browser:
            page = await browser.get("/signup")
            taken = await submit(
                browser, page, {"display_name": "X", "email": member.email, "password": PASSWORD}
            )
            weak = await submit(
                browser, page, {"display_name": "X", "email": "new@example.com", "password": "abc"}
            )
        assert taken.status_code == 409
        assert "already exists" in taken.text
        assert weak.status_code == 400


class TestPasswordResetAndVerification:
    async def _link(self, db: Database, path: str) -> str:
        async with db.sessionmaker() as session:
            mails = (await session.exec(sa.select(MailMessage))).scalars().all()  # type: ignore[call-overload]
        for mail in mails:
            match = re.search(re.escape(path) + r"\?token=([\w%-]+)", mail.body_text)
            if match:
                return f"{path}?token={match.group(1)}"
        raise AssertionError(f"no {path} link in {[m.body_text for m in mails]}")

    async def test_reset_password_signs_out_everywhere(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        async with browser_for(app) as browser:
            await login(browser, member.email, PASSWORD)
            page = await browser.get("/account/forgot-password")
            done = await submit(browser, page, {"email": member.email})
            assert done.status_code == 200
            unknown = await submit(browser, page, {"email": "nobody@example.com"})
            assert unknown.text == done.text  # no account enumeration
            link = await self._link(db, "/account/reset-password")
            form = await browser.get(link)
            changed = await submit(browser, form, {"password": "a brand new passphrase"})
            assert changed.status_code == 200, changed.text
            # The reset signed this browser out, so the old page's CSRF token (bound to the
            # session) is stale: open the link again to try it a second time.
            stale = await submit(browser, form, {"password": "another new passphrase"})
            assert stale.status_code == 403
            again = await browser.get(link)
            reused = await submit(browser, again, {"password": "another new passphrase"})
            assert reused.status_code == 400
            assert (await login(browser, member.email, "a brand new passphrase")).status_code == 200
        async with db.sessionmaker() as session:
            rows = (await session.exec(sa.select(LoginSession))).scalars().all()  # type: ignore[call-overload]
        assert sum(r.revoked_at is None for r in rows) == 1  # only the new login

    async def test_verify_email_needs_a_click(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        async with browser_for(app) as browser:
            page = await browser.get("/signup")
            await submit(
                browser,
                page,
                {"display_name": "Bo", "email": "bo@example.com", "password": PASSWORD},
            )
            link = await self._link(db, "/account/verify-email")
            confirm = await browser.get(link)
            async with db.sessionmaker() as session:
                member = (
                    (
                        await session.exec(
                            sa.select(Member).where(Member.email == "bo@example.com")
                        )  # type: ignore[call-overload]
                    )
                    .scalars()
                    .one()
                )
            assert member.email_verified_at is None  # a GET changes nothing
            response = await submit(browser, confirm)
            assert response.status_code == 200
            bad = await browser.get("/account/verify-email?token=nope")
            assert (await submit(browser, bad)).status_code == 400
        async with db.sessionmaker() as session:
            verified = await session.get(Member, member.id)
        assert verified is not None and verified.email_verified_at is not None
