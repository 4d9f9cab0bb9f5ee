"""A scope no operation uses is neither advertised nor granted; docs/oauth.md says, for each
scope, what requires it (generated from the schema, the REST endpoints and the code)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from sqlmodel import select

from auth_factories import create_partner
from c2c_api.auth.clients import create_client
from c2c_api.auth.models import ClientKind, OAuthClient
from c2c_api.authz import RESERVED_SCOPES, SCOPES
from c2c_api.db import Database
from c2c_api.demo import seed_demo
from c2c_api.docgen.oauth import requirements, update
from c2c_api.errors import InvalidInput
from c2c_api.kit.secrets import digest

OAUTH_MD = Path(__file__).resolve().parents[2] / "docs" / "oauth.md"
BASE = "http://127.0.0.1:8000"


def test_docs_oauth_md_is_current() -> None:
    text = OAUTH_MD.read_text(encoding="utf-8")
    assert update(text) == text, "docs/oauth.md is stale: run `make docs` and commit it"


def test_every_scope_in_use_is_required_by_something() -> None:
    uses = requirements()
    assert [s for s in SCOPES if not uses.get(s)] == [], "unused: move it to RESERVED_SCOPES"


def test_no_reserved_scope_is_required() -> None:
    """An operation that starts requiring one must move it to authz.SCOPES."""
    uses = requirements()
    assert [s for s in RESERVED_SCOPES if uses.get(s)] == []
    assert not set(SCOPES) & set(RESERVED_SCOPES)


async def test_the_metadata_advertises_only_scopes_in_use(
    db: Database, client: httpx.AsyncClient
) -> None:
    metadata = (await client.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["scopes_supported"] == list(SCOPES)


async def test_a_registration_naming_a_reserved_scope_is_refused(db: Database) -> None:
    for scope in RESERVED_SCOPES:
        with pytest.raises(InvalidInput):
            async with db.transaction() as session:
                await create_client(
                    session,
                    name="x",
                    kind=ClientKind.PUBLIC,
                    redirect_uris=["https://app.example/cb"],
                    scopes=["account:read", scope],
                )


async def test_the_demo_clients_hold_no_reserved_scope(db: Database) -> None:
    await seed_demo(db)
    async with db.sessionmaker() as session:
        clients = (await session.exec(select(OAuthClient))).all()
    assert clients
    assert [(c.name, s) for c in clients for s in c.scopes if s not in SCOPES] == []


async def test_an_old_registration_with_reserved_scopes_gets_none_of_them(
    db: Database, app: object
) -> None:
    """A client registered before the scopes were reserved keeps its row, not the scopes."""
    partner = await create_partner(db)
    async with db.transaction() as session:
        session.add(
            OAuthClient(
                client_id="old-partner-client",
                client_secret_digest=digest("s3cret"),
                name="Old",
                kind=ClientKind.CONFIDENTIAL,
                scopes=["partner:read", "partner:orders", "partner:reports"],
                partner_id=partner.id,
            )
        )
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with AsyncOAuth2Client(
        client_id="old-partner-client", client_secret="s3cret", transport=transport, base_url=BASE
    ) as oauth:
        token = await oauth.fetch_token(f"{BASE}/oauth/token", grant_type="client_credentials")
        assert token["scope"] == "partner:read"
        with pytest.raises(OAuthError) as refused:
            await oauth.fetch_token(
                f"{BASE}/oauth/token", grant_type="client_credentials", scope="partner:orders"
            )
    assert refused.value.error == "invalid_scope"
