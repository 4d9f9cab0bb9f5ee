"""RFC 6749 section 2.3: one client authentication method per request, no fallback."""

from __future__ import annotations

import base64

import httpx
import pytest

from auth_factories import ALL_PARTNER_SCOPES, create_oauth_client, create_partner
from c2c_api.auth.models import ClientKind
from c2c_api.db import Database


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


async def two_partner_clients(db: Database) -> tuple[tuple[str, str], tuple[str, str]]:
    found = []
    for slug in ("acme", "other"):
        partner = await create_partner(db, slug=slug)
        client, secret = await create_oauth_client(
            db,
            kind=ClientKind.CONFIDENTIAL,
            scopes=ALL_PARTNER_SCOPES,
            redirect_uris=[],
            partner=partner,
        )
        found.append((client.client_id, secret))
    return found[0], found[1]


GRANT = {"grant_type": "client_credentials", "scope": "partner:read"}


class TestOneMethodPerRequest:
    async def test_basic_and_body_secret_together_are_refused(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        (cid, secret), _ = await two_partner_clients(db)
        response = await client.post(
            "/oauth/token",
            data={**GRANT, "client_id": cid, "client_secret": secret},
            headers=basic(cid, secret),
        )
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_request"

    async def test_a_wrong_basic_secret_never_falls_back_to_the_body(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        (cid, _), (other_id, other_secret) = await two_partner_clients(db)
        response = await client.post(
            "/oauth/token",
            data={**GRANT, "client_id": other_id, "client_secret": other_secret},
            headers=basic(cid, "wrong"),
        )
        assert response.status_code in (400, 401), response.text
        assert response.json()["error"] in ("invalid_request", "invalid_client")
        assert "access_token" not in response.json()

    async def test_a_wrong_basic_secret_is_invalid_client(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        (cid, _), _ = await two_partner_clients(db)
        response = await client.post("/oauth/token", data=GRANT, headers=basic(cid, "wrong"))
        assert response.status_code == 401, response.text
        assert response.json()["error"] == "invalid_client"
        assert response.headers["www-authenticate"].lower().startswith("basic")

    async def test_a_wrong_basic_secret_with_another_body_client_id(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        (cid, _), (other_id, _) = await two_partner_clients(db)
        response = await client.post(
            "/oauth/token", data={**GRANT, "client_id": other_id}, headers=basic(cid, "wrong")
        )
        assert response.status_code in (400, 401), response.text
        assert response.json()["error"] in ("invalid_request", "invalid_client")

    @pytest.mark.parametrize("path", ["/oauth/revoke", "/oauth/introspect"])
    async def test_other_endpoints_refuse_two_methods_too(
        self, db: Database, client: httpx.AsyncClient, path: str
    ) -> None:
        (cid, secret), _ = await two_partner_clients(db)
        response = await client.post(
            path,
            data={"token": "x", "client_id": cid, "client_secret": secret},
            headers=basic(cid, secret),
        )
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_request"

    async def test_each_method_alone_still_works(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        (cid, secret), _ = await two_partner_clients(db)
        by_basic = await client.post("/oauth/token", data=GRANT, headers=basic(cid, secret))
        assert by_basic.status_code == 200, by_basic.text
        by_body = await client.post(
            "/oauth/token", data={**GRANT, "client_id": cid, "client_secret": secret}
        )
        assert by_body.status_code == 200, by_body.text
        # client_id repeated in the body beside HTTP Basic is the same client: accepted.
        with_id = await client.post(
            "/oauth/token", data={**GRANT, "client_id": cid}, headers=basic(cid, secret)
        )
        assert with_id.status_code == 200, with_id.text
