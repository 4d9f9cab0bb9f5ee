"""Preferences: defaults, read/write through the service and GraphQL, scopes; deal.notify
respects them and carries the unsubscribe link and headers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import select

from auth_factories import bearer, create_member_with_token
from c2c_api.authz import ANONYMOUS
from c2c_api.db import Database
from c2c_api.errors import Unauthenticated
from c2c_api.notifications import service
from c2c_api.notifications.models import NotificationPreference, NotificationType
from c2c_api.users.models import Member
from deals_support import buy, listing
from factories import member_actor
from notifications_support import mails_to, member, worker
from worker_support import drain

MINE = "{ myNotificationPreferences { type email } }"
SET = (
    "mutation($t: NotificationType!, $e: Boolean!) { setNotificationPreference(type: $t, "
    "email: $e) { __typename ... on SetNotificationPreferenceSuccess { preference { type email } }"
    " ... on UserError { code } } }"
)


async def gql(
    client: httpx.AsyncClient, query: str, token: str | None, **variables: Any
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers=bearer(token) if token else {},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def set_pref(db: Database, who: Member, type: NotificationType, email: bool) -> None:
    async with db.transaction() as session:
        await service.set_preference(session, member_actor(who), type=type, email=email)


async def stored_rows(db: Database, who: Member) -> list[NotificationPreference]:
    async with db.sessionmaker() as session:
        rows = await session.exec(
            select(NotificationPreference).where(NotificationPreference.member_id == who.id)
        )
        return list(rows)


class TestPreferences:
    async def test_every_type_is_on_by_default_and_nothing_is_stored(self, db: Database) -> None:
        m = await member(db)
        async with db.sessionmaker() as session:
            prefs = await service.my_preferences(session, member_actor(m))
        assert {(p.type, p.email) for p in prefs} == {(t, True) for t in NotificationType}
        assert await stored_rows(db, m) == []

    async def test_turning_a_type_off_stores_an_exception_and_is_idempotent(
        self, db: Database
    ) -> None:
        m = await member(db)
        await set_pref(db, m, NotificationType.OFFER_RECEIVED, False)
        await set_pref(db, m, NotificationType.OFFER_RECEIVED, False)
        async with db.sessionmaker() as session:
            mine = await service.my_preferences(session, member_actor(m))
            prefs = {p.type: p.email for p in mine}
            assert not await service.wants_email(
                session, member_id=m.id, type=NotificationType.OFFER_RECEIVED
            )
        assert prefs[NotificationType.OFFER_RECEIVED] is False
        assert prefs[NotificationType.ORDER_UPDATED] is True
        assert [(r.type, r.email) for r in await stored_rows(db, m)] == [
            (NotificationType.OFFER_RECEIVED, False)
        ]

    async def test_turning_on_a_type_never_turned_off_stores_nothing(self, db: Database) -> None:
        m = await member(db)
        await set_pref(db, m, NotificationType.ORDER_UPDATED, True)
        assert await stored_rows(db, m) == []

    async def test_turning_back_on_marks_older_links_revoked(self, db: Database) -> None:
        m = await member(db)
        await set_pref(db, m, NotificationType.ORDER_UPDATED, False)
        await set_pref(db, m, NotificationType.ORDER_UPDATED, True)
        [row] = await stored_rows(db, m)
        assert row.email is True
        assert row.links_valid_from is not None

    async def test_one_members_choice_does_not_touch_anothers(self, db: Database) -> None:
        a, b = await member(db), await member(db)
        await set_pref(db, a, NotificationType.MESSAGE_RECEIVED, False)
        async with db.sessionmaker() as session:
            assert await service.wants_email(
                session, member_id=b.id, type=NotificationType.MESSAGE_RECEIVED
            )

    async def test_anonymous_callers_have_no_preferences(self, db: Database) -> None:
        async with db.sessionmaker() as session:
            with pytest.raises(Unauthenticated):
                await service.my_preferences(session, ANONYMOUS)


class TestGraphQL:
    async def test_read_and_write(self, db: Database, client: httpx.AsyncClient) -> None:
        _, token = await create_member_with_token(db, scopes=["account:read", "account:write"])
        body = await gql(client, SET, token, t="MESSAGE_RECEIVED", e=False)
        assert body["data"]["setNotificationPreference"] == {
            "__typename": "SetNotificationPreferenceSuccess",
            "preference": {"type": "MESSAGE_RECEIVED", "email": False},
        }
        body = await gql(client, MINE, token)
        prefs = {p["type"]: p["email"] for p in body["data"]["myNotificationPreferences"]}
        assert prefs == {t.value: t != NotificationType.MESSAGE_RECEIVED for t in NotificationType}

    async def test_write_needs_account_write(self, db: Database, client: httpx.AsyncClient) -> None:
        _, token = await create_member_with_token(db, scopes=["account:read"])
        body = await gql(client, SET, token, t="ORDER_UPDATED", e=False)
        assert body["errors"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"

    async def test_read_needs_a_member(self, client: httpx.AsyncClient) -> None:
        body = await gql(client, MINE, None)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    async def test_an_unknown_type_is_refused_by_the_schema(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["account:write"])
        body = await gql(client, SET, token, t="NEWSLETTER", e=False)
        assert body["errors"]
        assert body.get("data") is None


class TestDealNotify:
    async def test_a_step_is_emailed_with_an_unsubscribe_link_and_headers(
        self, db: Database
    ) -> None:
        seller, buyer = await member(db), await member(db)
        await buy(db, member_actor(buyer), await listing(db, seller))
        await drain(worker(db))
        [mail] = await mails_to(db, seller)
        assert mail.subject == "Your order changed: Awaiting payment"
        assert mail.headers is not None
        assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = mail.headers["List-Unsubscribe"].strip("<>")
        assert link.startswith(f"{db.settings.issuer}/v1/notifications/unsubscribe?token=")
        assert link in mail.body_text
        assert "order updates" in mail.body_text

    async def test_no_email_when_the_member_turned_order_updates_off(self, db: Database) -> None:
        seller, buyer = await member(db), await member(db)
        await set_pref(db, seller, NotificationType.ORDER_UPDATED, False)
        await buy(db, member_actor(buyer), await listing(db, seller))
        await drain(worker(db))
        assert await mails_to(db, seller) == []

    async def test_turning_another_type_off_changes_nothing(self, db: Database) -> None:
        seller, buyer = await member(db), await member(db)
        await set_pref(db, seller, NotificationType.OFFER_RECEIVED, False)
        await buy(db, member_actor(buyer), await listing(db, seller))
        await drain(worker(db))
        assert len(await mails_to(db, seller)) == 1

    async def test_offers_follow_their_own_types(self, db: Database) -> None:
        from c2c_api.offers import service as offers
        from c2c_api.orders.models import Handover

        seller, buyer = await member(db), await member(db)
        item = await listing(db, seller)
        await set_pref(db, seller, NotificationType.OFFER_RECEIVED, False)
        async with db.transaction() as session:
            offer = await offers.make_offer(
                session,
                member_actor(buyer),
                listing_id=item.id,
                amount=900,
                currency="EUR",
                handover=Handover.SHIPPING,
            )
        await drain(worker(db))
        assert await mails_to(db, seller) == []  # OFFER_RECEIVED off
        async with db.transaction() as session:
            await offers.decline_offer(session, member_actor(seller), offer_id=offer.offer.id)
        await drain(worker(db))
        [mail] = await mails_to(db, buyer)  # OFFER_ANSWERED on
        assert "answers to your offers" in mail.body_text
