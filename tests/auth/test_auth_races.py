"""Races on the token endpoint: N requests at once, each in its own worker thread with its own
sync database connection (the token endpoint runs authlib in a thread pool), then the
invariants asserted in the database.

Two kinds of race per scenario:
- `natural`: N requests fired together with asyncio.gather, interleaving as it comes;
- `lockstep` (PostgreSQL only): a driver-level hook holds every request right after it has read
  the code or refresh token until all N have read it, so all N saw it unused before any of them
  writes: the worst interleaving, which only the atomic conditional UPDATE can settle. (On SQLite
  the token endpoint's transactions take the write lock up front, so they are serialized anyway.)

Chosen behaviour (docs/oauth.md, "Concurrent use"): a code or refresh token presented twice is
reused, whether the second request arrives later or at the same moment. Exactly one request
succeeds; every other gets `invalid_grant`, and the tokens issued from it (the winner's too) are
revoked, as RFC 6749 4.1.2 asks for codes and the OAuth security BCP for refresh tokens.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from browser import submit
from sqlalchemy import event

from auth_factories import (
    PASSWORD,
    REDIRECT_URI,
    bearer,
    create_member,
    create_member_with_token,
    create_oauth_client,
)
from c2c_api.auth.keys import new_signing_key
from c2c_api.auth.models import AccessToken, AuthorizationCode, RefreshToken, SigningKey
from c2c_api.db import Database
from c2c_api.kit.secrets import new_token

N = 8
BASE = "http://127.0.0.1:8000"
VIEWER = {"query": "{ viewer { id } }"}
MODES = ["natural", "lockstep"]


def _sync_engine(db: Database) -> sa.Engine:
    engine: sa.Engine = db.sync_sessionmaker.kw["bind"]
    return engine


@contextmanager
def concurrency_probe(db: Database) -> Iterator[dict[str, int]]:
    """Counts how many token-endpoint connections were checked out at the same time."""
    engine = _sync_engine(db)
    lock = threading.Lock()
    seen = {"now": 0, "max": 0}

    def checkout(*_: Any) -> None:
        with lock:
            seen["now"] += 1
            seen["max"] = max(seen["max"], seen["now"])

    def checkin(*_: Any) -> None:
        with lock:
            seen["now"] -= 1

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    try:
        yield seen
    finally:
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "checkin", checkin)


@contextmanager
def lockstep_after(db: Database, table: str, column: str, parties: int) -> Iterator[None]:
    """Hold each request after its `SELECT … FROM table WHERE column = …` until all have run it."""
    engine = _sync_engine(db)
    barrier = threading.Barrier(parties, timeout=20)

    def after(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT") and f"{table}.{column} =" in statement:
            barrier.wait()

    event.listen(engine, "after_cursor_execute", after)
    try:
        yield
    finally:
        event.remove(engine, "after_cursor_execute", after)


def pkce_pair() -> tuple[str, str]:
    verifier = new_token(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


async def authorization_code(app: Any, db: Database, client_id: str) -> tuple[str, str]:
    """A fresh code for a new member through the login form (first-party client: no consent)."""
    member = await create_member(db)
    verifier, challenge = pkce_pair()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": "account:read",
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as browser:
        response = await browser.get(f"/oauth/authorize?{query}")
        page = await browser.get(response.headers["location"])
        response = await submit(browser, page, {"email": member.email, "password": PASSWORD})
        response = await browser.get(response.headers["location"])
    assert response.status_code == 302, response.text
    code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    return code, verifier


async def fire(client: httpx.AsyncClient, form: dict[str, str], times: int) -> list[httpx.Response]:
    return list(
        await asyncio.gather(*(client.post("/oauth/token", data=form) for _ in range(times)))
    )


def outcomes(responses: list[httpx.Response]) -> tuple[list[dict[str, Any]], list[str]]:
    """(successful token bodies, error codes); any other status fails the test."""
    won, errors = [], []
    for response in responses:
        assert response.status_code in (200, 400), response.text
        body = response.json()
        if response.status_code == 200:
            won.append(body)
        else:
            errors.append(body["error"])
    return won, errors


async def rows(db: Database, model: Any, *where: Any) -> list[Any]:
    async with db.sessionmaker() as session:
        result = await session.exec(sa.select(model).where(*where))  # type: ignore[call-overload]
        return list(result.scalars())


def is_postgres(db: Database) -> bool:
    return not db.settings.is_sqlite


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest, db: Database) -> str:
    if request.param == "lockstep" and not is_postgres(db):
        pytest.skip("lockstep needs concurrent writers: SQLite serializes token requests")
    return str(request.param)


class TestSameCodeAtOnce:
    async def test_one_exchange_wins_and_the_reuse_revokes_its_tokens(
        self, db: Database, app: Any, client: httpx.AsyncClient, mode: str
    ) -> None:
        registered, _ = await create_oauth_client(db, first_party=True)
        code, verifier = await authorization_code(app, db, registered.client_id)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": registered.client_id,
            "code_verifier": verifier,
        }
        with concurrency_probe(db) as seen:
            if mode == "lockstep":
                with lockstep_after(db, "oauth_authorization_codes", "code_digest", N):
                    responses = await fire(client, form, N)
            else:
                responses = await fire(client, form, N)

        won, errors = outcomes(responses)
        assert len(won) == 1
        assert errors == ["invalid_grant"] * (N - 1)
        if is_postgres(db):
            assert seen["max"] > 1  # the requests really overlapped

        (row,) = await rows(db, AuthorizationCode)
        assert row.used_at is not None and row.family_id is not None
        # Only the winner's tokens exist (the losers' were rolled back), and they are revoked.
        refresh = await rows(db, RefreshToken)
        access = await rows(db, AccessToken)
        assert [r.family_id for r in refresh] == [row.family_id]
        assert [a.family_id for a in access] == [row.family_id]
        assert all(r.revoked_at is not None for r in [*refresh, *access])
        winner = won[0]
        response = await client.post(
            "/graphql", json=VIEWER, headers=bearer(winner["access_token"])
        )
        assert response.status_code == 401
        refreshed = await client.post(
            "/oauth/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": winner["refresh_token"],
                "client_id": registered.client_id,
            },
        )
        assert refreshed.json()["error"] == "invalid_grant"


class TestSameRefreshTokenAtOnce:
    async def test_one_rotation_wins_and_the_reuse_revokes_the_family(
        self, db: Database, app: Any, client: httpx.AsyncClient, mode: str
    ) -> None:
        registered, _ = await create_oauth_client(db, first_party=True)
        code, verifier = await authorization_code(app, db, registered.client_id)
        first = (
            await client.post(
                "/oauth/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": REDIRECT_URI,
                    "client_id": registered.client_id,
                    "code_verifier": verifier,
                },
            )
        ).json()
        form = {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": registered.client_id,
        }
        with concurrency_probe(db) as seen:
            if mode == "lockstep":
                with lockstep_after(db, "oauth_refresh_tokens", "token_digest", N):
                    responses = await fire(client, form, N)
            else:
                responses = await fire(client, form, N)

        won, errors = outcomes(responses)
        assert len(won) == 1
        assert errors == ["invalid_grant"] * (N - 1)
        if is_postgres(db):
            assert seen["max"] > 1

        family = await rows(db, RefreshToken)
        assert len({r.family_id for r in family}) == 1
        # The original (rotated once) and the winner's; the losers' rotations were rolled back.
        assert len(family) == 2
        assert sum(r.rotated_at is not None for r in family) == 1
        live = [r for r in family if r.rotated_at is None and r.revoked_at is None]
        assert len(live) <= 1  # the invariant, whatever the interleaving
        assert live == []  # and the concurrent reuse revoked the family
        access = await rows(db, AccessToken)
        assert len(access) == 2 and all(a.revoked_at is not None for a in access)
        for token in (first, won[0]):
            response = await client.post(
                "/graphql", json=VIEWER, headers=bearer(token["access_token"])
            )
            assert response.status_code == 401
        again = await client.post(
            "/oauth/token", data={**form, "refresh_token": won[0]["refresh_token"]}
        )
        assert again.json()["error"] == "invalid_grant"

    async def test_sequential_refreshes_keep_exactly_one_live_token(
        self, db: Database, app: Any, client: httpx.AsyncClient
    ) -> None:
        registered, _ = await create_oauth_client(db, first_party=True)
        code, verifier = await authorization_code(app, db, registered.client_id)
        token = (
            await client.post(
                "/oauth/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": REDIRECT_URI,
                    "client_id": registered.client_id,
                    "code_verifier": verifier,
                },
            )
        ).json()
        for _ in range(3):
            response = await client.post(
                "/oauth/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": token["refresh_token"],
                    "client_id": registered.client_id,
                },
            )
            assert response.status_code == 200
            token = response.json()
        family = await rows(db, RefreshToken)
        live = [r for r in family if r.rotated_at is None and r.revoked_at is None]
        assert len(family) == 4 and len(live) == 1


# -- the first signing key, created by two processes at once ---------------------------------

ISSUER_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys, uuid
    from c2c_api.auth.issuing import issue_member_tokens
    from c2c_api.config import Settings
    from c2c_api.db import Database

    async def main():
        db = Database(Settings(database_url=sys.argv[1], env="test", log_json=False))
        db.sync_sessionmaker  # connect before the start signal
        print("ready", flush=True)
        sys.stdin.readline()
        token = await issue_member_tokens(
            db, client_id=sys.argv[2], member_id=uuid.UUID(sys.argv[3]), scopes=["account:read"]
        )
        print(json.dumps(token), flush=True)
        await db.dispose()

    asyncio.run(main())
    """
)


def kid_of(token: str) -> str:
    part = token.split(".")[0]
    header: dict[str, str] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return header["kid"]


class TestFirstSigningKeyFromTwoProcesses:
    async def test_both_tokens_verify_and_one_key_is_made(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        assert await rows(db, SigningKey) == []
        member = await create_member(db)
        registered, _ = await create_oauth_client(db, first_party=True)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        args = [db.settings.database_url, registered.client_id, str(member.id)]
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", ISSUER_SCRIPT, *args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=env,
            )
            for _ in range(2)
        ]

        def run() -> list[dict[str, Any]]:
            try:
                for process in processes:
                    assert process.stdout is not None
                    assert process.stdout.readline().strip() == "ready"
                started = time.monotonic()
                for process in processes:
                    assert process.stdin is not None
                    process.stdin.write("go\n")
                    process.stdin.flush()
                outputs = [process.communicate(timeout=60)[0] for process in processes]
                assert time.monotonic() - started < 60
                return [json.loads(out) for out in outputs]
            finally:
                for process in processes:
                    if process.poll() is None:
                        process.kill()

        tokens = await asyncio.to_thread(run)
        assert all(p.returncode == 0 for p in processes)

        published = {k["kid"] for k in (await client.get("/.well-known/jwks.json")).json()["keys"]}
        for token in tokens:
            assert kid_of(token["access_token"]) in published
            response = await client.post(
                "/graphql", json=VIEWER, headers=bearer(token["access_token"])
            )
            assert response.json()["data"]["viewer"]["id"]
        keys = await rows(db, SigningKey)
        assert len(keys) == 1  # the second process waited for the first one's key

    async def test_two_current_keys_both_stay_published_and_verify(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        # Should two keys ever both be current (e.g. made before this guard existed), tokens
        # signed by either verify and both are in the JWKS; the newer one signs from then on.
        _, old = await create_member_with_token(db, scopes=["account:read"])
        async with db.transaction() as session:
            session.add(new_signing_key(db.settings))
        _, new = await create_member_with_token(db, scopes=["account:read"])
        keys = await rows(db, SigningKey)
        assert len(keys) == 2 and all(k.retired_at is None for k in keys)
        assert kid_of(old) != kid_of(new)
        published = {k["kid"] for k in (await client.get("/.well-known/jwks.json")).json()["keys"]}
        assert published == {k.kid for k in keys}
        for token in (old, new):
            response = await client.post("/graphql", json=VIEWER, headers=bearer(token))
            assert response.json()["data"]["viewer"]["id"]
