"""Demo data (`seed --demo`) and the members, mail and partners commands."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from click.testing import CliRunner, Result
from sqlmodel import select

from c2c_api import demo
from c2c_api.auth.models import OAuthClient
from c2c_api.cli import main
from c2c_api.config import Settings, get_settings
from c2c_api.db import Database
from c2c_api.errors import Forbidden
from c2c_api.kit.passwords import verify_password
from c2c_api.partners.models import Partner
from c2c_api.users.models import MailMessage, Member


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("C2C_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("C2C_ENV", "test")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def invoke(*args: str) -> Result:
    """Run the CLI in a thread (it runs its own event loop)."""
    return await asyncio.to_thread(CliRunner().invoke, main, list(args))


class TestSeedDemo:
    async def test_loads_members_a_partner_and_clients_once(self, db: Database) -> None:
        info = await demo.seed_demo(db)
        assert info.created
        async with db.sessionmaker() as session:
            members = {m.email: m for m in await session.exec(select(Member))}
            assert set(members) == {m.email for m in demo.DEMO_MEMBERS}
            assert all(m.email_verified for m in members.values())
            assert members["olivia@example.com"].is_operator
            assert await verify_password(
                members["bob@example.com"].password_hash, demo.DEMO_PASSWORD
            )
            partner = (await session.exec(select(Partner))).one()
            assert partner.slug == "vintage-lyon"
            assert members["alice@example.com"].partner_id == partner.id
            clients = {c.client_id: c for c in await session.exec(select(OAuthClient))}
            assert set(clients) == {"demo-vintage-lyon", "demo-web", "demo-console"}
            assert clients["demo-vintage-lyon"].partner_id == partner.id
            assert "http://127.0.0.1:5173/callback" in clients["demo-web"].redirect_uris
            # No account mail; the one mail is the lamp's ratings reveal, queued by the real
            # ratings service to Bob (Carol's rating revealed both: she is not told).
            mails = list(await session.exec(select(MailMessage)))
            assert [(m.to_address, m.subject) for m in mails] == [
                ("bob@example.com", "Ratings are visible: Lampe de bureau Jieldé")
            ]
        again = await demo.seed_demo(db)
        assert not again.created
        assert "already present" in again.instructions()

    async def test_is_refused_in_production(self, settings: Settings) -> None:
        production = Settings(
            database_url=settings.database_url,
            env="production",
            secret_key="s" * 40,
            issuer="https://api.example.com",
            sandbox_allowed_in_production=True,
            sandbox_webhook_secret="w" * 40,
        )
        database = Database(production)
        try:
            with pytest.raises(Forbidden):
                await demo.seed_demo(database)
        finally:
            await database.dispose()

    async def test_the_demo_partner_client_gets_a_token(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await demo.seed_demo(db)
        response = await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "scope": "partner:read partner:members"},
            auth=(demo.DEMO_PARTNER_CLIENT_ID, demo.DEMO_PARTNER_CLIENT_SECRET),
        )
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        body = await client.post(
            "/graphql",
            json={"query": "{ partner { slug members { edges { node { displayName } } } } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert body.json()["data"]["partner"] == {
            "slug": "vintage-lyon",
            "members": {"edges": [{"node": {"displayName": "Alice"}}]},
        }


@pytest.mark.usefixtures("cli_env")
class TestCommands:
    async def test_seed_demo_prints_how_to_get_a_token(self, db: Database) -> None:
        result = await invoke("seed", "--demo")
        assert result.exit_code == 0, result.output
        assert "grant_type=client_credentials" in result.output
        assert "code_challenge_method=S256" in result.output
        second = await invoke("seed", "--demo")
        assert "already present" in second.output
        assert (await invoke("seed")).exit_code == 2

    async def test_partners_create_and_list(self, db: Database) -> None:
        created = await invoke("partners", "create", "--slug", "shop", "--name", "Shop", "--json")
        assert created.exit_code == 0, created.output
        assert json.loads(created.output)["slug"] == "shop"
        taken = await invoke("partners", "create", "--slug", "shop", "--name", "Again")
        assert taken.exit_code == 1
        assert "already in use" in taken.output
        listed = await invoke("partners", "list")
        assert "shop" in listed.output

    async def test_members_create_and_set_operator(self, db: Database) -> None:
        created = await invoke(
            "members", "create", "--email", "Staff@Example.com", "--password",
            "a-long-password", "--name", "Staff",
        )  # fmt: skip
        assert created.exit_code == 0, created.output
        assert "staff@example.com" in created.output
        promoted = await invoke("members", "set-operator", "staff@example.com")
        assert "operator=yes" in promoted.output
        revoked = await invoke("members", "set-operator", "staff@example.com", "--revoke")
        assert "operator=no" in revoked.output
        missing = await invoke("members", "set-operator", "nobody@example.com")
        assert missing.exit_code == 1
        weak = await invoke(
            "members", "create", "--email", "w@example.com", "--password", "short", "--name", "W"
        )
        assert weak.exit_code == 1
        assert "at least 10" in weak.output

    async def test_mail_list_and_show(self, db: Database) -> None:
        from c2c_api.users.mail import queue_mail

        async with db.transaction() as session:
            message = await queue_mail(
                session, to="dev@example.com", subject="Hi", body_text="open http://x/?token=abc"
            )
        listed = await invoke("mail", "list", "--to", "dev@example.com")
        assert str(message.id) in listed.output
        assert (await invoke("mail", "list", "--to", "other@example.com")).output == "no messages\n"
        shown = await invoke("mail", "show", str(message.id)[:8])
        assert shown.exit_code == 0, shown.output
        assert "open http://x/?token=abc" in shown.output
        # The outbox worker delivers it (what `c2c-api worker --once` runs; the command itself
        # runs as a process in tests/events/test_worker_killed.py).
        from c2c_api.worker import run_worker

        assert await run_worker(db.settings, once=True) == 1
        assert "stored" in (await invoke("mail", "show", str(message.id)[:8])).output
        assert (await invoke("mail", "show", "ffffffff-0000")).exit_code == 1


def _form(html: str) -> tuple[str, list[tuple[str, str]]]:
    """The action and the input fields of the first form of a page."""

    class Parser(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.action: str | None = None
            self.fields: list[tuple[str, str]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = {k: v or "" for k, v in attrs}
            if tag == "form" and self.action is None:
                self.action = a.get("action", "")
            elif tag == "input" and a.get("name"):
                self.fields.append((a["name"], a.get("value", "")))

    parser = Parser()
    parser.feed(html)
    assert parser.action is not None
    return parser.action, parser.fields


class TestDemoFrontEndClient:
    async def test_alice_gets_a_member_token_with_pkce(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        await demo.seed_demo(db)
        base = "http://127.0.0.1:8000"
        transport = httpx.ASGITransport(app=app)
        verifier = generate_token(48)
        async with (
            AsyncOAuth2Client(
                client_id=demo.DEMO_WEB_CLIENT_ID,
                token_endpoint_auth_method="none",
                redirect_uri=demo.DEMO_WEB_REDIRECT_URIS[0],
                code_challenge_method="S256",
                scope="account:read account:write",
                transport=transport,
                base_url=base,
            ) as oauth,
            httpx.AsyncClient(transport=transport, base_url=base) as browser,
        ):
            callback = demo.DEMO_WEB_REDIRECT_URIS[0]

            async def follow(response: httpx.Response) -> httpx.Response:
                while response.status_code in (302, 303):
                    if response.headers["location"].startswith(callback):
                        break
                    response = await browser.get(response.headers["location"])
                return response

            url, _ = oauth.create_authorization_url(
                f"{base}/oauth/authorize", code_verifier=verifier
            )
            response = await follow(await browser.get(url))
            if response.status_code == 200:  # the login form
                action, fields = _form(response.text)
                values = dict(fields)
                values.update(email="alice@example.com", password=demo.DEMO_PASSWORD)
                response = await follow(await browser.post(action, data=values))
            location = response.headers["location"]
            assert location.startswith(demo.DEMO_WEB_REDIRECT_URIS[0]), location
            token = await oauth.fetch_token(
                f"{base}/oauth/token", authorization_response=location, code_verifier=verifier
            )
            viewer = await browser.post(
                "/graphql",
                json={"query": "{ viewer { displayName email storefront { slug } } }"},
                headers={"Authorization": f"Bearer {token['access_token']}"},
            )
        assert viewer.json()["data"]["viewer"] == {
            "displayName": "Alice",
            "email": "alice@example.com",
            "storefront": {"slug": "vintage-lyon"},
        }
