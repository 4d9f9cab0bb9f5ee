"""The e-mail telling a member that the ratings of one of their deals are public.

Queued in the reveal's transaction (by the second rating, or by the window's timer), to each
member the `rating.revealed` event marks `notify` (not the member whose rating revealed
both: they know), in their language, unless they turned RATING_REVEALED off; the
notifications domain adds the unsubscribe footer and headers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from urllib.parse import quote

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.config import Settings
from c2c_api.listings.models import Listing
from c2c_api.notifications.links import web_url
from c2c_api.notifications.models import NotificationType
from c2c_api.notifications.service import queue_notification_mail
from c2c_api.orders.models import Order
from c2c_api.users.models import Member

_TEXT = {
    "en": (
        "Ratings are visible: {title}",
        'The ratings of your deal "{title}" are now public.\n\n'
        "See what was said, and answer a rating about you once: {link}",
    ),
    "fr": (
        "Évaluations publiées : {title}",
        "Les évaluations de votre transaction « {title} » sont maintenant publiques.\n\n"
        "Lisez-les, et répondez une fois à une évaluation vous concernant : {link}",
    ),
}
TITLE_MAX = 80


def order_link(settings: Settings, order_id: uuid.UUID) -> str:
    """The web front end's page of an order (its ratings)."""
    return f"{web_url(settings)}/orders/{quote(str(order_id), safe='')}"


async def mail_revealed(
    session: AsyncSession, settings: Settings, *, order: Order, recipients: Iterable[uuid.UUID]
) -> None:
    """Queue the e-mail to each recipient (their preference decides)."""
    ids = list(dict.fromkeys(recipients))
    if not ids:
        return
    members = {m.id: m for m in await session.exec(select(Member).where(col(Member.id).in_(ids)))}
    listing = await session.get(Listing, order.listing_id)
    title = (listing.title if listing is not None else "")[:TITLE_MAX]
    values = {"title": title, "link": order_link(settings, order.id)}
    for member_id in ids:
        member = members.get(member_id)
        if member is None:
            continue
        subject, body = _TEXT.get(member.locale, _TEXT["en"])
        await queue_notification_mail(
            session,
            settings,
            member=member,
            type=NotificationType.RATING_REVEALED,
            subject=subject.format(**values),
            body_text=body.format(**values),
        )
