"""The unsubscribe page: GET confirms, POST performs (the page's button or RFC 8058 one-click);
forged, garbled, expired and revoked tokens get a 400 page; idempotent; no sign-in."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest

from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.kit.clock import utcnow
from c2c_api.notifications import service
from c2c_api.notifications.links import UNSUBSCRIBE_PATH, sign_unsubscribe
from c2c_api.notifications.models import NotificationType
from c2c_api.users.models import Member
from factories import member_actor
from notifications_support import member

ORDERS = NotificationType.ORDER_UPDATED


def token_for(db: Database, who: Member, type: NotificationType = ORDERS, **kw: object) -> str:
    return sign_unsubscribe(db.settings, member_id=who.id, type=type, **kw)  # type: ignore[arg-type]


async def wants(db: Database, who: Member, type: NotificationType = ORDERS) -> bool:
    async with db.sessionmaker() as session:
        return await service.wants_email(session, member_id=who.id, type=type)


class TestConfirmationPage:
    async def test_get_shows_a_button_and_changes_nothing(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        bob = await member(db, email="bob@example.com")
        token = token_for(db, bob)
        response = await client.get(UNSUBSCRIBE_PATH, params={"token": token})
        assert response.status_code == 200
        assert '<form method="post"' in response.text
        assert "order updates" in response.text
        assert "b•••@example.com" in response.text and "bob@example.com" not in response.text
        assert "<script" not in response.text
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        assert await wants(db, bob)

    async def test_in_the_members_language(self, db: Database, client: httpx.AsyncClient) -> None:
        bob = await member(db, locale="fr")
        response = await client.get(UNSUBSCRIBE_PATH, params={"token": token_for(db, bob)})
        assert response.status_code == 200
        assert '<html lang="fr">' in response.text
        assert "Me désinscrire" in response.text

    async def test_an_already_unsubscribed_member_is_told_so(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        bob = await member(db)
        token = token_for(db, bob)
        await client.post(UNSUBSCRIBE_PATH, params={"token": token})
        response = await client.get(UNSUBSCRIBE_PATH, params={"token": token})
        assert response.status_code == 200
        assert "already" in response.text
        assert "<form" not in response.text


class TestUnsubscribe:
    async def test_the_pages_button_posts_the_token_as_a_field(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        bob = await member(db)
        response = await client.post(UNSUBSCRIBE_PATH, data={"token": token_for(db, bob)})
        assert response.status_code == 200, response.text
        assert "no longer gets e-mails about order updates" in response.text
        assert not await wants(db, bob)
        assert await wants(db, bob, NotificationType.OFFER_RECEIVED)  # only that type

    async def test_rfc8058_one_click(self, db: Database, client: httpx.AsyncClient) -> None:
        bob = await member(db)
        response = await client.post(
            UNSUBSCRIBE_PATH,
            params={"token": token_for(db, bob, NotificationType.MESSAGE_RECEIVED)},
            content=b"List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 200
        assert not await wants(db, bob, NotificationType.MESSAGE_RECEIVED)

    async def test_idempotent(self, db: Database, client: httpx.AsyncClient) -> None:
        bob = await member(db)
        token = token_for(db, bob)
        first = await client.post(UNSUBSCRIBE_PATH, params={"token": token})
        second = await client.post(UNSUBSCRIBE_PATH, params={"token": token})
        assert (first.status_code, second.status_code) == (200, 200)
        assert not await wants(db, bob)


class TestRefusedLinks:
    @pytest.mark.parametrize("method", ["GET", "POST"])
    async def test_a_forged_token(
        self, db: Database, client: httpx.AsyncClient, method: str
    ) -> None:
        bob = await member(db)
        other = db.settings.model_copy(update={"secret_key": "another-secret-" + "x" * 32})
        assert isinstance(other, Settings)
        forged = sign_unsubscribe(other, member_id=bob.id, type=ORDERS)
        response = await client.request(method, UNSUBSCRIBE_PATH, params={"token": forged})
        assert response.status_code == 400
        assert "invalid or has expired" in response.text
        assert await wants(db, bob)

    @pytest.mark.parametrize(
        "token",
        ["", "garbage", "a.b.c", "é" * 10, "x" * 5000, "eyJhbGciOiJub25lIn0.e30."],
    )
    async def test_a_garbled_token(
        self, db: Database, client: httpx.AsyncClient, token: str
    ) -> None:
        response = await client.post(UNSUBSCRIBE_PATH, params={"token": token})
        assert response.status_code == 400
        assert "text/html" in response.headers["content-type"]

    async def test_no_token_at_all(self, client: httpx.AsyncClient) -> None:
        assert (await client.get(UNSUBSCRIBE_PATH)).status_code == 400
        response = await client.post(
            UNSUBSCRIBE_PATH,
            content=b"\xff\x00",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 400

    async def test_a_tampered_token(self, db: Database, client: httpx.AsyncClient) -> None:
        bob = await member(db)
        header, payload, signature = token_for(db, bob).split(".")
        tampered = f"{header}.{payload[:-2]}AA.{signature}"
        response = await client.post(UNSUBSCRIBE_PATH, params={"token": tampered})
        assert response.status_code == 400
        assert await wants(db, bob)

    async def test_an_expired_token(self, db: Database, client: httpx.AsyncClient) -> None:
        bob = await member(db)
        days = db.settings.unsubscribe_link_ttl_days
        old = token_for(db, bob, now=utcnow() - timedelta(days=days, minutes=6))
        response = await client.post(UNSUBSCRIBE_PATH, params={"token": old})
        assert response.status_code == 400
        assert await wants(db, bob)

    async def test_an_unknown_member(self, db: Database, client: httpx.AsyncClient) -> None:
        token = sign_unsubscribe(db.settings, member_id=uuid.uuid4(), type=ORDERS)
        assert (await client.get(UNSUBSCRIBE_PATH, params={"token": token})).status_code == 400

    async def test_turning_a_type_back_on_revokes_older_links(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        bob = await member(db, locale="fr")
        old = token_for(db, bob, now=utcnow() - timedelta(minutes=5))
        assert (await client.post(UNSUBSCRIBE_PATH, params={"token": old})).status_code == 200
        async with db.transaction() as session:
            await service.set_preference(session, member_actor(bob), type=ORDERS, email=True)
        response = await client.post(
            UNSUBSCRIBE_PATH, params={"token": old}, headers={"accept-language": "fr"}
        )
        assert response.status_code == 400
        assert "réactivation" in response.text
        assert await wants(db, bob)
        newer = token_for(db, bob, now=utcnow() + timedelta(seconds=1))
        assert (await client.post(UNSUBSCRIBE_PATH, params={"token": newer})).status_code == 200
        assert not await wants(db, bob)

    async def test_a_token_of_another_type_turns_only_that_type_off(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        bob = await member(db)
        token = token_for(db, bob, NotificationType.OFFER_ANSWERED)
        await client.post(UNSUBSCRIBE_PATH, params={"token": token})
        assert await wants(db, bob)
        assert not await wants(db, bob, NotificationType.OFFER_ANSWERED)
