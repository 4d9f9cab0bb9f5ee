"""The RATING_REVEALED e-mail: queued in the reveal's transaction to each member who did not
reveal the ratings themselves, in their language, with the unsubscribe link; none for a
member who turned the type off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from c2c_api.db import Database
from c2c_api.kit.clock import clock
from c2c_api.notifications import service as notifications
from c2c_api.notifications.models import NotificationType
from c2c_api.users.models import MailMessage, Member
from deals_support import member
from factories import member_actor
from notifications_support import mails_to
from ratings_support import completed_deal, rate
from worker_support import app_worker, drain

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SUBJECTS = ("Ratings are visible:", "Évaluations publiées :")


async def reveal_mails(db: Database, who: Member) -> list[MailMessage]:
    return [m for m in await mails_to(db, who) if m.subject.startswith(SUBJECTS)]


async def turn_off(db: Database, who: Member) -> None:
    async with db.transaction() as session:
        await notifications.set_preference(
            session, member_actor(who), type=NotificationType.RATING_REVEALED, email=False
        )


class TestRevealedBySecondRating:
    async def test_only_the_member_who_did_not_reveal_them_is_mailed(self, db: Database) -> None:
        deal = await completed_deal(db, buyer=await member(db, locale="fr"))
        await rate(db, deal.as_buyer, deal.order, 5)
        assert await reveal_mails(db, deal.buyer) == []  # hidden: nobody is told yet
        await rate(db, deal.as_seller, deal.order, 4)  # committed with the reveal, no worker
        assert await reveal_mails(db, deal.seller) == []  # they revealed them: they know
        [mail] = await reveal_mails(db, deal.buyer)
        assert mail.subject.startswith("Évaluations publiées : ")
        assert "sont maintenant publiques" in mail.body_text
        assert f"/orders/{deal.order.id}" in mail.body_text
        assert mail.headers is not None
        link = mail.headers["List-Unsubscribe"].strip("<>")
        assert link.startswith(f"{db.settings.issuer}/v1/notifications/unsubscribe?token=")
        assert link in mail.body_text

    async def test_no_mail_when_the_member_turned_it_off(self, db: Database) -> None:
        deal = await completed_deal(db)
        await turn_off(db, deal.buyer)
        await rate(db, deal.as_buyer, deal.order, 5)
        await rate(db, deal.as_seller, deal.order, 4)
        assert await reveal_mails(db, deal.buyer) == []
        assert await reveal_mails(db, deal.seller) == []


class TestRevealedByTheWindow:
    async def test_both_members_are_mailed_in_their_language(self, db: Database) -> None:
        clock.freeze(T0)
        deal = await completed_deal(db, seller=await member(db, locale="fr"))
        await rate(db, deal.as_buyer, deal.order, 2, comment="Slow to ship")
        clock.freeze(T0 + timedelta(days=14))
        await drain(app_worker(db))
        [to_buyer] = await reveal_mails(db, deal.buyer)
        [to_seller] = await reveal_mails(db, deal.seller)
        assert to_buyer.subject.startswith("Ratings are visible: ")
        assert "are now public" in to_buyer.body_text
        assert to_seller.subject.startswith("Évaluations publiées : ")
        await drain(app_worker(db))  # the timer fired once: no second mail
        assert len(await reveal_mails(db, deal.buyer)) == 1

    async def test_a_member_who_turned_it_off_gets_none(self, db: Database) -> None:
        clock.freeze(T0)
        deal = await completed_deal(db)
        await turn_off(db, deal.seller)
        await rate(db, deal.as_buyer, deal.order, 3)
        clock.freeze(T0 + timedelta(days=14))
        await drain(app_worker(db))
        assert await reveal_mails(db, deal.seller) == []
        assert len(await reveal_mails(db, deal.buyer)) == 1
