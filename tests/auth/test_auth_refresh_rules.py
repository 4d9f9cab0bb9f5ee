"""Refresh: narrowed scopes stay on the access token, client scopes re-checked, family max age."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel import col

from auth_factories import create_member, create_oauth_client, member_tokens
from c2c_api.auth.models import OAuthClient, RefreshToken
from c2c_api.db import Database
from c2c_api.kit.clock import clock, utcnow

BOTH = ["account:read", "account:write"]


async def start(db: Database) -> tuple[OAuthClient, dict[str, Any]]:
    client, _ = await create_oauth_client(db, first_party=True)
    member = await create_member(db)
    tokens = await member_tokens(db, member=member, scopes=BOTH, client=client)
    return client, tokens


async def refresh(
    api: httpx.AsyncClient, client: OAuthClient, token: str, scope: str | None = None
) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": token, "client_id": client.client_id}
    if scope is not None:
        form["scope"] = scope
    return await api.post("/oauth/token", data=form)


class TestNarrowedRefresh:
    async def test_the_new_refresh_token_keeps_the_original_scope(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        registered, tokens = await start(db)
        narrowed = await refresh(client, registered, tokens["refresh_token"], "account:read")
        assert narrowed.status_code == 200, narrowed.text
        assert narrowed.json()["scope"] == "account:read"
        again = await refresh(client, registered, narrowed.json()["refresh_token"])
        assert again.status_code == 200, again.text
        assert again.json()["scope"] == "account:read account:write"

    async def test_a_wider_scope_than_the_original_is_refused(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        registered, tokens = await start(db)
        response = await refresh(client, registered, tokens["refresh_token"], "listings:write")
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_scope"


class TestClientScopesOnRefresh:
    async def test_scopes_the_client_lost_are_dropped(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        registered, tokens = await start(db)
        async with db.transaction() as session:
            await session.exec(
                sa.update(OAuthClient)
                .where(col(OAuthClient.client_id) == registered.client_id)
                .values(scopes=["account:read"])
            )
        response = await refresh(client, registered, tokens["refresh_token"])
        assert response.status_code == 200, response.text
        assert response.json()["scope"] == "account:read"
        async with db.sessionmaker() as session:
            rows = (await session.exec(sa.select(RefreshToken))).scalars().all()  # type: ignore[call-overload]
        live = [r for r in rows if r.rotated_at is None]
        assert [r.scope for r in live] == ["account:read"]

    async def test_a_client_with_none_of_the_scopes_left_gets_invalid_scope(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        registered, tokens = await start(db)
        async with db.transaction() as session:
            await session.exec(
                sa.update(OAuthClient)
                .where(col(OAuthClient.client_id) == registered.client_id)
                .values(scopes=["listings:write"])
            )
        response = await refresh(client, registered, tokens["refresh_token"])
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_scope"


class TestFamilyMaxAge:
    async def test_rotation_cannot_extend_a_sign_in_beyond_the_max_age(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        settings = db.settings
        registered, tokens = await start(db)
        began = utcnow()
        token = tokens["refresh_token"]
        step = timedelta(seconds=settings.refresh_token_ttl - 3600)
        now = began
        while now + step < began + timedelta(seconds=settings.refresh_family_max_age):
            now += step
            clock.freeze(now)
            response = await refresh(client, registered, token)
            assert response.status_code == 200, (now - began, response.text)
            token = response.json()["refresh_token"]
        async with db.sessionmaker() as session:
            latest = (
                (
                    await session.exec(
                        sa.select(RefreshToken).where(col(RefreshToken.rotated_at).is_(None))  # type: ignore[call-overload]
                    )
                )
                .scalars()
                .one()
            )
        # The last token expires with the family, not a full TTL after its issue.
        assert latest.expires_at <= began + timedelta(seconds=settings.refresh_family_max_age + 5)
        clock.freeze(began + timedelta(seconds=settings.refresh_family_max_age + 1))
        response = await refresh(client, registered, token)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
