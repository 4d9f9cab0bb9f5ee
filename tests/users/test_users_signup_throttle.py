"""Sign-up attempts are counted per target e-mail and per client address (GraphQL and form)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import sqlalchemy as sa

from auth_factories import PASSWORD as RIGHT_PASSWORD
from auth_factories import create_member
from c2c_api.auth.models import LoginAttempt
from c2c_api.db import Database
from c2c_api.kit.clock import clock, utcnow
from c2c_api.users.models import Member

PASSWORD = "a very long password 123"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def browser_for(app) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")


async def post_form(
    browser: httpx.AsyncClient, path: str, fields: dict[str, str]
) -> httpx.Response:
    """GET the hosted form (for its CSRF cookie and token), then POST `fields` with the token."""
    page = await browser.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    return await browser.post(path, data={**fields, "csrf_token": match.group(1)})


def sign_up(email: str) -> dict[str, object]:
    return {
        "query": "mutation($i: SignUpInput!) { signUp(input: $i) { __typename "
        "... on UserError { code } } }",
        "variables": {"i": {"email": email, "password": PASSWORD, "displayName": "x"}},
    }


async def outcome(client: httpx.AsyncClient, email: str) -> str:
    response = await client.post("/graphql", json=sign_up(email))
    payload = response.json()["data"]["signUp"]
    return str(payload.get("code") or payload["__typename"])


async def members(db: Database) -> int:
    async with db.sessionmaker() as session:
        return int((await session.exec(sa.select(sa.func.count()).select_from(Member))).one()[0])  # type: ignore[call-overload]


class TestSignUpPerEmail:
    async def test_probing_a_taken_address_is_limited(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        member = await create_member(db)
        limit = db.settings.signup_max_attempts_per_email
        answers = [await outcome(client, member.email) for _ in range(limit + 2)]
        # EMAIL_TAKEN is kept (docs/accounts.md) but only `limit` times per window.
        assert answers == ["EMAIL_TAKEN"] * limit + ["RATE_LIMITED"] * 2

    async def test_spelling_variants_of_the_address_share_the_count(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        member = await create_member(db, email="zoe@example.com")
        limit = db.settings.signup_max_attempts_per_email
        variants = ["zoe@example.com", "ZOE@Example.com", " zoe@example\u3002com "]
        answers = [await outcome(client, variants[i % 3]) for i in range(limit)]
        assert set(answers) == {"EMAIL_TAKEN"}
        assert await outcome(client, member.email.upper()) == "RATE_LIMITED"

    async def test_the_window_passes(self, db: Database, client: httpx.AsyncClient) -> None:
        member = await create_member(db)
        for _ in range(db.settings.signup_max_attempts_per_email):
            await outcome(client, member.email)
        assert await outcome(client, member.email) == "RATE_LIMITED"
        clock.freeze(utcnow() + timedelta(seconds=db.settings.signup_throttle_window + 1))
        assert await outcome(client, member.email) == "EMAIL_TAKEN"


class TestSignUpPerAddress:
    async def test_many_addresses_from_one_client_are_limited(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        limit = db.settings.signup_max_attempts_per_address
        # Earlier attempts from the test client's address, as the throttle records them
        # (each real sign-up costs an Argon2 hash).
        async with db.transaction() as session:
            for i in range(limit - 1):
                session.add(
                    LoginAttempt(
                        email=f"signup:n{i}@example.com",
                        address="signup:127.0.0.1",
                        succeeded=False,
                        at=utcnow(),
                    )
                )
        assert await outcome(client, "last@example.com") == "SignUpSuccess"
        assert await outcome(client, "one-more@example.com") == "RATE_LIMITED"
        assert await members(db) == 1

    async def test_sign_up_attempts_do_not_count_as_failed_logins(
        self, db: Database, client: httpx.AsyncClient, app
    ) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        for _ in range(db.settings.signup_max_attempts_per_email):
            await outcome(client, member.email)
        async with browser_for(app) as browser:
            fields = {"email": member.email, "password": RIGHT_PASSWORD}
            response = await post_form(browser, "/login", fields)
        assert response.status_code == 200


class TestSignUpForm:
    async def test_the_form_shares_the_count_with_graphql(
        self, db: Database, client: httpx.AsyncClient, app
    ) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        limit = db.settings.signup_max_attempts_per_email
        for _ in range(limit - 1):
            assert await outcome(client, member.email) == "EMAIL_TAKEN"
        async with browser_for(app) as browser:
            fields = {"display_name": "X", "email": member.email, "password": PASSWORD}
            taken = await post_form(browser, "/signup", fields)
            throttled = await post_form(browser, "/signup", fields)
        assert taken.status_code == 409
        assert throttled.status_code == 429
        assert "Too many attempts" in throttled.text
