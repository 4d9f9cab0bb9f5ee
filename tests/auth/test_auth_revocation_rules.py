"""Revocation and introspection: unknown hints, other clients' tokens, suspended partners."""

from __future__ import annotations

import base64

import httpx
import sqlalchemy as sa
from sqlmodel import col

from auth_factories import ALL_PARTNER_SCOPES, bearer, create_oauth_client, create_partner
from c2c_api.auth.models import ClientKind, OAuthClient
from c2c_api.db import Database
from c2c_api.kit.clock import utcnow
from c2c_api.partners.models import Partner, PartnerStatus

PARTNER_QUERY = {"query": "{ partner { id } }"}


class PartnerClient:
    def __init__(self, client: OAuthClient, secret: str) -> None:
        self.client = client
        self.auth = {
            "Authorization": "Basic "
            + base64.b64encode(f"{client.client_id}:{secret}".encode()).decode()
        }

    async def token(self, api: httpx.AsyncClient) -> str:
        response = await api.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "scope": "partner:read"},
            headers=self.auth,
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def call(self, api: httpx.AsyncClient, path: str, **form: str) -> httpx.Response:
        return await api.post(path, data=form, headers=self.auth)


async def partner_client(db: Database) -> PartnerClient:
    partner = await create_partner(db)
    client, secret = await create_oauth_client(
        db,
        kind=ClientKind.CONFIDENTIAL,
        scopes=ALL_PARTNER_SCOPES,
        redirect_uris=[],
        partner=partner,
    )
    assert secret is not None
    return PartnerClient(client, secret)


async def works(api: httpx.AsyncClient, token: str) -> bool:
    response = await api.post("/graphql", json=PARTNER_QUERY, headers=bearer(token))
    return response.status_code == 200


class TestUnknownTokenTypeHint:
    async def test_revocation_ignores_it_and_revokes(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        owner = await partner_client(db)
        token = await owner.token(client)
        response = await owner.call(
            client, "/oauth/revoke", token=token, token_type_hint="id_token"
        )
        assert response.status_code == 200, response.text
        assert not await works(client, token)

    async def test_introspection_ignores_it(self, db: Database, client: httpx.AsyncClient) -> None:
        owner = await partner_client(db)
        token = await owner.token(client)
        response = await owner.call(client, "/oauth/introspect", token=token, token_type_hint="x")
        assert response.status_code == 200, response.text
        assert response.json()["active"] is True


class TestAnotherClientsToken:
    async def test_is_answered_like_an_unknown_token_and_stays_valid(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        owner, other = await partner_client(db), await partner_client(db)
        token = await owner.token(client)
        theirs = await other.call(client, "/oauth/revoke", token=token)
        unknown = await other.call(client, "/oauth/revoke", token="not-a-token")
        assert (theirs.status_code, theirs.json()) == (unknown.status_code, unknown.json())
        assert theirs.status_code == 200
        assert await works(client, token)


class TestIntrospectionOfDeadSubjects:
    async def test_a_suspended_partners_token_is_inactive(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        owner = await partner_client(db)
        token = await owner.token(client)
        async with db.transaction() as session:
            await session.exec(
                sa.update(Partner)
                .where(col(Partner.id) == owner.client.partner_id)
                .values(status=PartnerStatus.SUSPENDED)
            )
        response = await owner.call(client, "/oauth/introspect", token=token)
        assert response.json() == {"active": False}

    async def test_a_revoked_clients_token_is_inactive(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        owner = await partner_client(db)
        token = await owner.token(client)
        # A first-party back end introspects (the revoked client cannot authenticate any more).
        resource, secret = await create_oauth_client(
            db, kind=ClientKind.CONFIDENTIAL, first_party=True, redirect_uris=[]
        )
        auth = base64.b64encode(f"{resource.client_id}:{secret}".encode()).decode()
        async with db.transaction() as session:
            await session.exec(
                sa.update(OAuthClient)
                .where(col(OAuthClient.client_id) == owner.client.client_id)
                .values(revoked_at=utcnow())
            )
        response = await client.post(
            "/oauth/introspect", data={"token": token}, headers={"Authorization": "Basic " + auth}
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"active": False}
