"""E-mails to the counterpart of an order or offer step (the outbox's `deal.notify` topic).

Recorded in the step's transaction (so no e-mail tells of a step that was rolled back), then
handled by the worker in a transaction of its own: the member's address and language are
read then, and the message is queued for the mail sender (users/mail.py) unless the member
turned that kind of notification off (notifications/: preferences, unsubscribe link).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.config import Settings
from c2c_api.events.models import OutboxEvent
from c2c_api.events.service import record_event
from c2c_api.notifications.models import NotificationType
from c2c_api.notifications.service import queue_notification_mail
from c2c_api.users.models import Member

NOTIFY_TOPIC = "deal.notify"
# The member's preference that governs each kind (docs/notifications.md).
KIND_TYPES = {
    "order": NotificationType.ORDER_UPDATED,
    "offer.received": NotificationType.OFFER_RECEIVED,
    "offer": NotificationType.OFFER_ANSWERED,
}

_TEXT = {
    "en": {
        "order": (
            "Your order changed: {label}",
            "Order {ref} is now: {label}.\n\nOpen the app to see what comes next.",
        ),
        "offer.received": (
            "You received an offer",
            "You received an offer of {amount} on a "
            "listing.\n\nAccept, decline or counter it within 48 hours.",
        ),
        "offer": ("Your offer was answered: {label}", "Offer {ref} is now: {label}."),
    },
    "fr": {
        "order": (
            "Votre commande a changé : {label}",
            "La commande {ref} est maintenant : "
            "{label}.\n\nOuvrez l'application pour voir la suite.",
        ),
        "offer.received": (
            "Vous avez reçu une offre",
            "Vous avez reçu une offre de {amount} "
            "sur une annonce.\n\nAcceptez-la, refusez-la ou faites une "
            "contre-offre sous 48 heures.",
        ),
        "offer": (
            "Votre offre a reçu une réponse : {label}",
            "L'offre {ref} est maintenant : {label}.",
        ),
    },
}
_OFFER_LABELS = {
    "en": {
        "ACCEPTED": "accepted",
        "DECLINED": "declined",
        "WITHDRAWN": "withdrawn",
        "EXPIRED": "expired",
        "COUNTERED": "countered",
        "PENDING": "pending",
    },
    "fr": {
        "ACCEPTED": "acceptée",
        "DECLINED": "refusée",
        "WITHDRAWN": "retirée",
        "EXPIRED": "expirée",
        "COUNTERED": "contre-proposée",
        "PENDING": "en attente",
    },
}


async def notify(
    session: AsyncSession, *, recipient_id: uuid.UUID, kind: str, data: dict[str, Any]
) -> None:
    """Queue an e-mail to `recipient_id` about an order or offer step (after commit)."""
    await record_event(
        session,
        topic=NOTIFY_TOPIC,
        payload={"recipientId": str(recipient_id), "kind": kind, **data},
        member_id=recipient_id,
        flush=False,
    )


async def send_notification(
    session: AsyncSession, event: OutboxEvent, *, settings: Settings
) -> None:
    """The transactional handler of `deal.notify`: one e-mail to the recipient (none when
    they turned that kind off)."""
    payload = event.payload
    member = await session.get(Member, uuid.UUID(str(payload["recipientId"])))
    if member is None:
        return
    locale = member.locale if member.locale in _TEXT else "en"
    kind = str(payload.get("kind"))
    subject_t, body_t = _TEXT[locale].get(kind, _TEXT[locale]["order"])
    label = str(payload.get("label_fr" if locale == "fr" else "label_en", ""))
    if kind.startswith("offer") and kind != "offer.received":
        label = _OFFER_LABELS[locale].get(str(payload.get("status")), label)
    values = {
        "label": label,
        "ref": str(payload.get("ref", ""))[:8],
        "amount": str(payload.get("amount", "")),
    }
    await queue_notification_mail(
        session,
        settings,
        member=member,
        type=KIND_TYPES.get(kind, NotificationType.ORDER_UPDATED),
        subject=subject_t.format(**values),
        body_text=body_t.format(**values),
    )
