"""Notification preferences, unsubscribe links, and the e-mails they govern.

    my_preferences / set_preference      a member's choices (GraphQL)
    wants_email                          whether a type's e-mail goes to a member
    queue_notification_mail              queue a notification e-mail: preference checked,
                                         unsubscribe footer and List-Unsubscribe headers added
    check_unsubscribe / unsubscribe      the unsubscribe page (GET shows, POST performs)
    recipient_connected / notify_message the `message.notify` handler: presence (asked with
                                         no transaction open), then preference and coalescing
                                         per thread, in the transaction that marks it done

Account and security e-mails (address verification, password reset, password changed:
users/service.py) are not notifications: they always go, with no unsubscribe link.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api import authz
from c2c_api.authz import Actor
from c2c_api.config import Settings
from c2c_api.events.models import OutboxEvent
from c2c_api.i18n import SUPPORTED_LOCALES
from c2c_api.kit.clock import utcnow
from c2c_api.notifications.errors import REVOKED, UnsubscribeLinkInvalid
from c2c_api.notifications.links import (
    BadLink,
    UnsubscribeClaim,
    read_unsubscribe,
    sign_unsubscribe,
    unsubscribe_headers,
    unsubscribe_url,
    web_url,
)
from c2c_api.notifications.models import (
    EMAIL_DEFAULT,
    NotificationPreference,
    NotificationType,
    ThreadNotification,
)
from c2c_api.notifications.presence import Presence
from c2c_api.users.mail import queue_mail
from c2c_api.users.models import MailMessage, Member

log = logging.getLogger(__name__)

MESSAGE_NOTIFY_TOPIC = "message.notify"
EXCERPT_MAX = 200
SUBJECT_MAX = 255  # mail_messages.subject


@dataclass(frozen=True)
class Preference:
    type: NotificationType
    email: bool


def _locale(member: Member) -> str:
    return member.locale if member.locale in SUPPORTED_LOCALES else "en"


# Preferences


async def _rows(session: AsyncSession, member_id: uuid.UUID) -> dict[NotificationType, bool]:
    rows = await session.exec(
        select(NotificationPreference).where(NotificationPreference.member_id == member_id)
    )
    return {row.type: row.email for row in rows}


async def my_preferences(session: AsyncSession, actor: Actor) -> list[Preference]:
    """The caller's choice for every notification type (defaults included)."""
    member_id = authz.require_member(actor)
    stored = await _rows(session, member_id)
    return [Preference(type=t, email=stored.get(t, EMAIL_DEFAULT)) for t in NotificationType]


async def _locked(
    session: AsyncSession, member_id: uuid.UUID, type: NotificationType
) -> NotificationPreference | None:
    return (
        await session.exec(
            select(NotificationPreference)
            .where(
                NotificationPreference.member_id == member_id,
                NotificationPreference.type == type,
            )
            .with_for_update()
        )
    ).first()


async def _store(
    session: AsyncSession, member_id: uuid.UUID, type: NotificationType, *, email: bool
) -> NotificationPreference | None:
    """Write the member's choice; None when it is the default and nothing was stored (no row
    is written for a type never turned off). Turning a type back on revokes earlier links."""
    now = utcnow()
    row = await _locked(session, member_id, type)
    if row is None:
        if email == EMAIL_DEFAULT:
            return None
        row = NotificationPreference(member_id=member_id, type=type, email=email, updated_at=now)
        try:
            async with session.begin_nested():
                session.add(row)
        except IntegrityError:  # written at the same moment by another request: update it
            row = await _locked(session, member_id, type)
            if row is None:  # pragma: no cover - the conflicting row was deleted meanwhile
                raise
        else:
            return row
    if row.email != email:
        if email and not row.email:
            row.links_valid_from = now
        row.email = email
        row.updated_at = now
        session.add(row)
        await session.flush()
    return row


async def set_preference(
    session: AsyncSession, actor: Actor, *, type: NotificationType, email: bool
) -> Preference:
    """Turn one notification type's e-mail on or off for the caller. Idempotent."""
    member_id = authz.require_member(actor)
    await _store(session, member_id, type, email=email)
    return Preference(type=type, email=email)


async def wants_email(
    session: AsyncSession, *, member_id: uuid.UUID, type: NotificationType
) -> bool:
    """Whether e-mails of `type` go to the member (the default unless they turned it off)."""
    row = await session.get(NotificationPreference, (member_id, type))
    return EMAIL_DEFAULT if row is None else row.email


# Notification e-mails

_FOOTER = {
    "en": "\n\n-- \nTo stop these e-mails ({what}), open: {url}\n",
    "fr": "\n\n-- \nPour ne plus recevoir ces e-mails ({what}), ouvrez : {url}\n",
}
TYPE_LABELS: dict[NotificationType, tuple[str, str]] = {
    NotificationType.MESSAGE_RECEIVED: ("new messages", "nouveaux messages"),
    NotificationType.OFFER_RECEIVED: ("offers received", "offres reçues"),
    NotificationType.OFFER_ANSWERED: ("answers to your offers", "réponses à vos offres"),
    NotificationType.ORDER_UPDATED: ("order updates", "suivi des commandes"),
    NotificationType.RATING_REVEALED: ("ratings revealed", "évaluations publiées"),
}


def type_label(type: NotificationType, locale: str) -> str:
    en, fr = TYPE_LABELS[type]
    return fr if locale == "fr" else en


async def queue_notification_mail(
    session: AsyncSession,
    settings: Settings,
    *,
    member: Member,
    type: NotificationType,
    subject: str,
    body_text: str,
) -> MailMessage | None:
    """Queue a notification e-mail unless the member turned `type` off (None then). The body
    gets an unsubscribe footer; the message the List-Unsubscribe headers (RFC 2369, 8058)."""
    if not await wants_email(session, member_id=member.id, type=type):
        return None
    locale = _locale(member)
    url = unsubscribe_url(settings, sign_unsubscribe(settings, member_id=member.id, type=type))
    footer = _FOOTER[locale].format(what=type_label(type, locale), url=url)
    return await queue_mail(
        session,
        to=member.email,
        subject=subject[:SUBJECT_MAX],
        body_text=body_text.rstrip("\n") + footer,
        headers=unsubscribe_headers(url),
    )


# Unsubscribe (no sign-in: the signed token is the credential)


@dataclass(frozen=True)
class Unsubscription:
    member: Member
    type: NotificationType
    email: bool  # the type's e-mail now (False once unsubscribed)


async def _claim(
    session: AsyncSession, settings: Settings, token: str
) -> tuple[Member, UnsubscribeClaim]:
    try:
        claim = read_unsubscribe(settings, token)
    except BadLink as exc:
        raise UnsubscribeLinkInvalid() from exc
    member = await session.get(Member, claim.member_id)
    if member is None:
        raise UnsubscribeLinkInvalid()
    row = await session.get(NotificationPreference, (member.id, claim.type))
    revoked_before = row.links_valid_from if row is not None else None
    if revoked_before is not None and claim.issued_at < int(revoked_before.timestamp()):
        raise UnsubscribeLinkInvalid(REVOKED)
    return member, claim


async def check_unsubscribe(
    session: AsyncSession, settings: Settings, *, token: str
) -> Unsubscription:
    """What a link would do (the confirmation page); UnsubscribeLinkInvalid when refused."""
    member, claim = await _claim(session, settings, token)
    email = await wants_email(session, member_id=member.id, type=claim.type)
    return Unsubscription(member=member, type=claim.type, email=email)


async def unsubscribe(session: AsyncSession, settings: Settings, *, token: str) -> Unsubscription:
    """Turn the link's type off for its member. Idempotent."""
    member, claim = await _claim(session, settings, token)
    await _store(session, member.id, claim.type, email=False)
    return Unsubscription(member=member, type=claim.type, email=False)


# message.notify (recorded by conversations with each new text message)

_MESSAGE_TEXT = {
    "en": (
        "New message from {sender} about {title}",
        "{sender} wrote to you about \u201c{title}\u201d:\n\n{excerpt}\n\n"
        "Read and reply: {link}\n\n"
        "You get this e-mail because you were not connected when the message arrived; at most "
        "one e-mail per conversation every {minutes} minutes.",
    ),
    "fr": (
        "Nouveau message de {sender} à propos de {title}",
        "{sender} vous a écrit à propos de \u00ab {title} \u00bb :\n\n{excerpt}\n\n"
        "Lire et répondre : {link}\n\n"
        "Vous recevez cet e-mail car vous n'étiez pas connecté à l'arrivée du message ; au plus "
        "un e-mail par conversation toutes les {minutes} minutes.",
    ),
}


def _one_line(value: object, limit: int) -> str:
    """Header-safe text: whitespace (line breaks included) collapsed, at most `limit` chars."""
    return " ".join(str(value).split())[:limit]


@dataclass(frozen=True)
class MessageNotice:
    message_id: str
    thread_id: str
    recipient_id: uuid.UUID
    sender_name: str
    listing_title: str
    excerpt: str

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> MessageNotice:
        """ValueError when a field is missing or malformed."""
        try:
            thread_id = str(payload["threadId"])
            if not thread_id or len(thread_id) > 64:
                raise ValueError("threadId")
            return cls(
                message_id=str(payload["messageId"]),
                thread_id=thread_id,
                recipient_id=uuid.UUID(str(payload["recipientId"])),
                sender_name=_one_line(payload["senderName"], 80),
                listing_title=_one_line(payload["listingTitle"], 120),
                excerpt=str(payload["excerpt"])[:EXCERPT_MAX],
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(str(exc)) from exc


def conversation_link(settings: Settings, thread_id: str) -> str:
    """The web front end's page of a conversation."""
    return f"{web_url(settings)}/conversations/{quote(thread_id, safe='')}"


async def _claim_thread(
    session: AsyncSession, *, member_id: uuid.UUID, thread_id: str, window: timedelta
) -> bool:
    """Whether an e-mail about this thread may go now (and record that it goes)."""
    now = utcnow()
    row = (
        await session.exec(
            select(ThreadNotification)
            .where(
                ThreadNotification.member_id == member_id,
                col(ThreadNotification.thread_id) == thread_id,
            )
            .with_for_update()
        )
    ).first()
    if row is None:
        try:
            async with session.begin_nested():
                session.add(
                    ThreadNotification(member_id=member_id, thread_id=thread_id, last_sent_at=now)
                )
        except IntegrityError:
            return False  # another worker is e-mailing about this thread right now
        return True
    last = row.last_sent_at
    if last.tzinfo is None:  # pragma: no cover - UTCDateTime attaches it
        last = last.replace(tzinfo=UTC)
    if window > timedelta(0) and now - last < window:
        row.coalesced += 1
        session.add(row)
        return False
    row.last_sent_at = now
    row.coalesced = 0
    session.add(row)
    return True


async def recipient_connected(event: OutboxEvent, *, presence: Presence) -> bool:
    """The first step of the `message.notify` handler, with no transaction open (presence may
    be Redis: a network read): whether the message's recipient holds a live connection."""
    try:
        notice = MessageNotice.from_payload(event.payload)
    except ValueError:
        return False  # notify_message logs it
    return await presence.is_connected(notice.recipient_id)


async def notify_message(
    session: AsyncSession, event: OutboxEvent, *, settings: Settings, connected: bool
) -> MailMessage | None:
    """The `message.notify` handler's transaction: e-mail the recipient of a new message unless
    they are `connected` (recipient_connected, asked before it), turned MESSAGE_RECEIVED off, or
    were e-mailed about this thread less than `C2C_NOTIFICATION_COALESCE_MINUTES` ago. The mail
    (if any) is queued in this transaction, which also marks the event done."""
    try:
        notice = MessageNotice.from_payload(event.payload)
    except ValueError as exc:
        # Retrying cannot mend a malformed payload: recorded in the log, the event is done.
        log.warning("message.notify %s ignored: malformed payload (%s)", event.id, exc)
        return None
    member = await session.get(Member, notice.recipient_id)
    if member is None:
        return None
    if connected:
        log.info("message.notify %s: recipient connected, no e-mail", event.id)
        return None
    if not await wants_email(session, member_id=member.id, type=NotificationType.MESSAGE_RECEIVED):
        return None
    window = timedelta(minutes=settings.notification_coalesce_minutes)
    if not await _claim_thread(
        session, member_id=member.id, thread_id=notice.thread_id, window=window
    ):
        log.info("message.notify %s: coalesced with a recent e-mail", event.id)
        return None
    locale = _locale(member)
    subject_t, body_t = _MESSAGE_TEXT[locale]
    values = {
        "sender": notice.sender_name,
        "title": notice.listing_title,
        "excerpt": notice.excerpt,
        "link": conversation_link(settings, notice.thread_id),
        "minutes": settings.notification_coalesce_minutes,
    }
    return await queue_notification_mail(
        session,
        settings,
        member=member,
        type=NotificationType.MESSAGE_RECEIVED,
        subject=subject_t.format(**values),
        body_text=body_t.format(**values),
    )
