"""Sign-in throttling holds against spelling variants of an address and parallel guesses."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import sqlalchemy as sa
from browser import forms_of, submit
from test_auth_code_flow import browser_for

from auth_factories import PASSWORD, create_member
from c2c_api.auth.models import LoginAttempt
from c2c_api.db import Database

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def attempts(db: Database) -> list[LoginAttempt]:
    async with db.sessionmaker() as session:
        return list((await session.exec(sa.select(LoginAttempt))).scalars())  # type: ignore[call-overload]


class TestSpellingVariantsShareOneCount:
    async def test_full_width_and_ideographic_variants_count_for_the_account(
        self, db: Database, app
    ) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db, email="victim@example.com")
        limit = db.settings.login_max_failures_per_account
        # Each of these finds the same account (IDNA maps them to example.com).
        variants = ["victim@\uff45xample.com", "victim@e\uff58ample.com", "VICTIM@example\u3002com"]
        statuses = []
        async with browser_for(app) as browser:
            for i in range(limit):
                page = await browser.get("/login")
                wrong = {"email": variants[i % len(variants)], "password": "wrong password!"}
                statuses.append((await submit(browser, page, wrong)).status_code)
            page = await browser.get("/login")
            full_width = "victim@\uff45\uff58\uff41mple.com"
            right = await submit(browser, page, {"email": full_width, "password": PASSWORD})
        assert statuses == [401] * limit
        assert right.status_code == 429
        assert {a.email for a in await attempts(db)} == {member.email}

    async def test_an_invalid_address_is_keyed_by_its_lowercase_form(
        self, db: Database, app
    ) -> None:  # type: ignore[no-untyped-def]
        async with browser_for(app) as browser:
            page = await browser.get("/login")
            response = await submit(browser, page, {"email": " Not An Address ", "password": "x"})
        assert response.status_code == 401
        assert [a.email for a in await attempts(db)] == ["not an address"]


class TestParallelWrongPasswords:
    async def test_at_most_the_limit_of_guesses_are_checked(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        limit = db.settings.login_max_failures_per_account
        parallel = 30
        async with browser_for(app) as browser:
            page = await browser.get("/login")
            data = dict(forms_of(page.text)[0].fields)
            data.update(email=member.email, password="wrong password!")
            body = urlencode(data)
            responses = await asyncio.gather(
                *(browser.post("/login", content=body, headers=FORM) for _ in range(parallel))
            )
        statuses = sorted(r.status_code for r in responses)
        # Every admitted guess is recorded before its Argon2 check: `limit` of them, no more.
        assert statuses == [401] * limit + [429] * (parallel - limit)
        recorded = await attempts(db)
        assert len(recorded) == limit
        assert not any(a.succeeded for a in recorded)

    async def test_a_right_password_after_the_parallel_burst_is_throttled(
        self, db: Database, app
    ) -> None:  # type: ignore[no-untyped-def]
        member = await create_member(db)
        limit = db.settings.login_max_failures_per_account
        async with browser_for(app) as browser:
            page = await browser.get("/login")
            data = dict(forms_of(page.text)[0].fields)
            data.update(email=member.email, password="wrong password!")
            await asyncio.gather(
                *(
                    browser.post("/login", content=urlencode(data), headers=FORM)
                    for _ in range(limit * 2)
                )
            )
            page = await browser.get("/login")
            response = await submit(browser, page, {"email": member.email, "password": PASSWORD})
        assert response.status_code == 429
