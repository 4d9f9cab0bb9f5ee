"""Conversations: threads per listing and interested member, text and system messages, read
markers, unread counts, blocks and the message rate limit (docs/messaging.md).

    send_message(session, actor, *, text, listing_id | thread_id, dry_run)  a member writes
    post_system_message(session, *, listing_id, interested_member_id, event, payload)
                                                   an offer or order event, in its transaction
    mark_thread_read(session, actor, *, thread_id, up_to)  the reader's marker moves forward
    block_member / unblock_member / ensure_not_blocked      blocks (blocks.py)
    get_threads / threads_of_member / messages_of_thread / unread_total   reads

Rules:
- one thread per (listing, interested member), created by its first message or event; a
  concurrent first message finds the thread the other created (unique key, ON CONFLICT);
- messages are numbered in their thread (seq); writers of a thread are serialised by its
  row lock, taken by the upsert that creates the thread or increments its seq (one
  statement), so seqs have no gap and no duplicate;
- TEXT: NFC-normalised, trimmed, 1 to MAX_MESSAGE_LENGTH characters, no control characters
  but line breaks and tabs; scanned for scam warnings, stored with the message;
- a participant's unread count is kept on their participant row, in the same transaction
  as each message: messages after their read marker that they did not cause themselves;
  sending a message marks the thread read for its sender;
- a member sends at most `per_minute` TEXT messages a minute and `per_day` a day
  (RATE_LIMITED with `retryAfter`): counted from the messages themselves, in the database,
  so every API process shares the count; on PostgreSQL a transaction-scoped advisory lock
  per sender makes the count and the insert atomic (SQLite serialises writers).
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import Actor, ThreadPolicy, require_member
from c2c_api.config import Settings
from c2c_api.conversations.blocks import (
    block_member,
    blocked_members,
    ensure_not_blocked,
    is_blocked_between,
    unblock_member,
)
from c2c_api.conversations.errors import (
    ListingNotFound,
    MessageControlCharacters,
    MessageEmpty,
    MessageRateLimited,
    MessageTooLong,
    MessageToSelf,
    ThreadNotFound,
)
from c2c_api.conversations.models import Message, MessageKind, Thread, ThreadParticipant
from c2c_api.db import dialect_insert
from c2c_api.errors import InvalidInput
from c2c_api.events.service import record_event
from c2c_api.kit.clock import utcnow
from c2c_api.kit.keyset import Page, Position, check_page_size, keyset_page
from c2c_api.kit.text import has_control_characters
from c2c_api.listings.models import Listing
from c2c_api.listings.service import get_visible_listings
from c2c_api.trust.warnings import (
    MAX_MESSAGE_LENGTH,
    MessageWarning,
    WarningFlag,
    scan_message,
)
from c2c_api.users.models import Member

__all__ = [
    "block_member",
    "blocked_members",
    "ensure_not_blocked",
    "is_blocked_between",
    "unblock_member",
]

MESSAGE_SENT_TOPIC = "message.sent"
THREAD_UPDATED_TOPIC = "thread.updated"
MESSAGE_NOTIFY_TOPIC = "message.notify"
EXCERPT_LENGTH = 200


@dataclass(frozen=True)
class MessageLimits:
    """How many TEXT messages a member may send a minute and a day."""

    per_minute: int = 30
    per_day: int = 300

    @classmethod
    def from_settings(cls, settings: Settings) -> MessageLimits:
        return cls(per_minute=settings.messages_per_minute, per_day=settings.messages_per_day)


@dataclass(frozen=True)
class SendOutcome:
    """What sending did (or, for a dry run, would do): the message and its thread (None for
    a dry run), the text as it would be stored, its warnings."""

    text: str
    warnings: tuple[MessageWarning, ...]
    message: Message | None = None
    thread: Thread | None = None


def clean_text(text: str) -> str:
    """The text as stored: NFC, trimmed; MESSAGE_* errors for what is refused."""
    if len(text) > 4 * MAX_MESSAGE_LENGTH:  # far too long: refused before any work on it
        raise MessageTooLong(fields=["text"], context={"maxLength": MAX_MESSAGE_LENGTH})
    normal = unicodedata.normalize("NFC", text).strip()
    if has_control_characters(normal, allow_line_breaks=True):
        raise MessageControlCharacters(fields=["text"])
    if not normal:
        raise MessageEmpty(fields=["text"])
    if len(normal) > MAX_MESSAGE_LENGTH:
        raise MessageTooLong(fields=["text"], context={"maxLength": MAX_MESSAGE_LENGTH})
    return normal


def warnings_of(message: Message) -> tuple[MessageWarning, ...]:
    """The warnings stored with a message."""
    return tuple(
        MessageWarning(
            WarningFlag(w["flag"]), int(w["start"]), int(w["end"]), str(w.get("excerpt", ""))
        )
        for w in message.warnings or []
    )


def counterpart_of(thread: Thread, member_id: uuid.UUID) -> uuid.UUID:
    return thread.interested_id if member_id == thread.owner_id else thread.owner_id


# --- writing -------------------------------------------------------------------------------


async def send_message(
    session: AsyncSession,
    actor: Actor,
    *,
    text: str,
    listing_id: uuid.UUID | None = None,
    thread_id: uuid.UUID | None = None,
    dry_run: bool = False,
    limits: MessageLimits | None = None,
) -> SendOutcome:
    """Write in the thread `thread_id`, or about the listing `listing_id` (its thread with the
    caller, created by this first message). A dry run checks and scans, and sends nothing."""
    member_id = require_member(actor)
    body = clean_text(text)
    warnings = scan_message(body)
    thread: Thread | None = None
    listing: Listing | None = None
    if thread_id is not None:
        thread = (await get_threads(session, actor, [thread_id])).get(thread_id)
        if thread is None:
            raise ThreadNotFound(fields=["threadId"])
        counterpart = counterpart_of(thread, member_id)
    elif listing_id is not None:
        if ThreadPolicy.member_of(actor) is None:
            raise ThreadNotFound(fields=["listingId"])
        listing = (await get_visible_listings(session, actor, [listing_id])).get(listing_id)
        if listing is None:
            raise ListingNotFound(fields=["listingId"])
        if listing.seller_id == member_id:
            raise MessageToSelf(fields=["listingId"])
        counterpart = listing.seller_id
    else:
        raise InvalidInput("Give a listingId or a threadId.", fields=["listingId", "threadId"])
    await ensure_not_blocked(session, member_id, counterpart)
    if dry_run:
        return SendOutcome(text=body, warnings=warnings, thread=thread)
    await _check_rate(session, member_id, limits or MessageLimits())
    if thread is None:
        assert listing is not None
        key = (listing.id, listing.seller_id, member_id)
    else:
        key = (thread.listing_id, thread.owner_id, thread.interested_id)
    thread, message = await _append(
        session,
        listing_id=key[0],
        owner_id=key[1],
        interested_id=key[2],
        kind=MessageKind.TEXT,
        sender_id=member_id,
        body=body,
        warnings=[
            {"flag": w.flag.value, "start": w.start, "end": w.end, "excerpt": w.excerpt}
            for w in warnings
        ],
    )
    await _notify(session, thread, message, recipient_id=counterpart, listing=listing)
    return SendOutcome(text=body, warnings=warnings, message=message, thread=thread)


async def post_system_message(
    session: AsyncSession,
    *,
    listing_id: uuid.UUID,
    interested_member_id: uuid.UUID,
    event: str,
    payload: dict[str, Any],
    owner_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
) -> Message:
    """A SYSTEM message for an offer or order event, in the caller's transaction (the thread
    is created if needed). `actor_id`: the member who caused it (not unread for them)."""
    if owner_id is None:
        listing = await session.get(Listing, listing_id)
        assert listing is not None
        owner_id = listing.seller_id
    _, message = await _append(
        session,
        listing_id=listing_id,
        owner_id=owner_id,
        interested_id=interested_member_id,
        kind=MessageKind.SYSTEM,
        sender_id=actor_id,
        event=event,
        data=payload,
    )
    return message


async def mark_thread_read(
    session: AsyncSession,
    actor: Actor,
    *,
    thread_id: uuid.UUID,
    up_to: uuid.UUID | None = None,
) -> Thread:
    """The caller has read the thread up to the message `up_to` (default: its newest
    message). A marker only moves forward; the unread count is recounted from it."""
    member_id = require_member(actor)
    thread = (await get_threads(session, actor, [thread_id])).get(thread_id)
    if thread is None:
        raise ThreadNotFound(fields=["threadId"])
    thread = await _locked_thread(session, thread_id)
    seq = thread.last_seq
    if up_to is not None:
        found = (
            await session.exec(
                select(Message.seq).where(
                    col(Message.id) == up_to, col(Message.thread_id) == thread_id
                )
            )
        ).first()
        if found is None:
            raise InvalidInput("This message is not in this conversation.", fields=["upTo"])
        seq = int(found)
    mine = await session.get(ThreadParticipant, (thread_id, member_id))
    assert mine is not None
    if seq <= mine.last_read_seq:
        return thread
    mine.last_read_seq = seq
    mine.unread_count = await _unread_after(session, thread, member_id, seq)
    session.add(mine)
    await session.flush()
    for member in (thread.owner_id, thread.interested_id):
        await record_event(
            session,
            topic=THREAD_UPDATED_TOPIC,
            payload={
                "threadId": str(thread.id),
                "readerId": str(member_id),
                "lastReadSeq": seq,
                "recipientId": str(member),
            },
            member_id=member,
            flush=False,
        )
    return thread


async def _unread_after(
    session: AsyncSession, thread: Thread, member_id: uuid.UUID, seq: int
) -> int:
    if seq >= thread.last_seq:
        return 0
    count = (
        await session.exec(
            select(sa.func.count())
            .select_from(Message)
            .where(
                col(Message.thread_id) == thread.id,
                col(Message.seq) > seq,
                sa.or_(col(Message.sender_id).is_(None), col(Message.sender_id) != member_id),
            )
        )
    ).one()
    return int(count)


async def _advance_thread(
    session: AsyncSession,
    *,
    listing_id: uuid.UUID,
    owner_id: uuid.UUID,
    interested_id: uuid.UUID,
) -> tuple[Thread, bool]:
    """The thread of (listing, interested member) with its next seq taken, row-locked, and
    whether this call created it: one statement.

    INSERT … ON CONFLICT (listing_id, interested_id) DO UPDATE SET last_seq = last_seq + 1
    … RETURNING: creates the thread at seq 1 or increments the existing one, and the update
    holds its row lock to the end of the transaction. Of two transactions creating it at
    once, the second waits on the unique key for the first, then increments its thread.
    A thread is created by its first message, so a returned seq of 1 is a new thread."""
    now = utcnow()
    table = Thread.__table__.c  # type: ignore[attr-defined]
    statement = (
        dialect_insert(session)(Thread)
        .values(
            id=uuid.uuid4(),
            listing_id=listing_id,
            owner_id=owner_id,
            interested_id=interested_id,
            last_seq=1,
            created_at=now,
            last_message_at=now,
        )
        .on_conflict_do_update(
            index_elements=["listing_id", "interested_id"],
            set_={"last_seq": table.last_seq + 1, "last_message_at": now},
        )
        .returning(Thread)
    )
    thread: Thread = (
        (await session.exec(statement, execution_options={"populate_existing": True}))
        .scalars()
        .one()
    )
    return thread, thread.last_seq == 1


async def _locked_thread(session: AsyncSession, thread_id: uuid.UUID) -> Thread:
    return (
        await session.exec(
            select(Thread)
            .where(col(Thread.id) == thread_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one()


async def _append(
    session: AsyncSession,
    *,
    listing_id: uuid.UUID,
    owner_id: uuid.UUID,
    interested_id: uuid.UUID,
    kind: MessageKind,
    sender_id: uuid.UUID | None,
    body: str | None = None,
    warnings: list[dict[str, Any]] | None = None,
    event: str | None = None,
    data: dict[str, Any] | None = None,
) -> tuple[Thread, Message]:
    """The next message of the thread of (listing, interested member), created if needed;
    participants' counts and activity follow. Three statements: the thread's upsert, the
    message, the participants (inserted with their counts for a new thread, else updated).

    For each participant: a message they did not cause is unread; a TEXT message marks the
    thread read for its sender; a SYSTEM message they caused leaves their marker alone."""
    thread, created = await _advance_thread(
        session, listing_id=listing_id, owner_id=owner_id, interested_id=interested_id
    )
    now = thread.last_message_at
    seq = thread.last_seq
    is_text = kind == MessageKind.TEXT
    message = Message(
        thread_id=thread.id,
        seq=seq,
        kind=kind,
        sender_id=sender_id,
        body=body,
        warnings=warnings or None,
        event=event,
        data=data,
        created_at=now,
    )
    session.add(message)
    if created:
        session.add_all(
            [
                ThreadParticipant(
                    thread_id=thread.id,
                    member_id=me,
                    counterpart_id=other,
                    last_read_seq=seq if is_text and me == sender_id else 0,
                    unread_count=0 if me == sender_id else 1,
                    last_message_at=now,
                )
                for me, other in ((owner_id, interested_id), (interested_id, owner_id))
            ]
        )
        await session.flush()
    else:
        await session.flush()
        participant = ThreadParticipant.__table__.c  # type: ignore[attr-defined]
        by_sender = participant.member_id == sender_id if sender_id is not None else sa.false()
        await session.exec(
            sa.update(ThreadParticipant)
            .where(participant.thread_id == thread.id)
            .values(
                last_message_at=now,
                unread_count=sa.case(
                    (by_sender, 0 if is_text else participant.unread_count),
                    else_=participant.unread_count + 1,
                ),
                last_read_seq=sa.case(
                    (sa.and_(by_sender, sa.true() if is_text else sa.false()), seq),
                    else_=participant.last_read_seq,
                ),
            )
        )
    for member in (thread.owner_id, thread.interested_id):
        await record_event(
            session,
            topic=MESSAGE_SENT_TOPIC,
            payload={
                "messageId": str(message.id),
                "threadId": str(thread.id),
                "kind": kind.value,
                "recipientId": str(member),
                "message": message_snapshot(message),
            },
            member_id=member,
            flush=False,
        )
    return thread, message


def message_snapshot(message: Message) -> dict[str, Any]:
    """The message as committed, carried by `message.sent`: messages never change, so each
    subscriber shows it without reading it again (one read per subscriber made a fan-out to
    1,000 connections cost 1,000 reads)."""
    return {
        "id": str(message.id),
        "threadId": str(message.thread_id),
        "seq": message.seq,
        "kind": message.kind.value,
        "senderId": str(message.sender_id) if message.sender_id is not None else None,
        "body": message.body,
        "event": message.event,
        "data": message.data,
        "warnings": message.warnings,
        "createdAt": message.created_at.isoformat(),
    }


_SNAPSHOTS: OrderedDict[str, Message] = OrderedDict()  # the newest, by id (one per process)
_SNAPSHOTS_KEPT = 256


def message_from_snapshot(snapshot: Any) -> Message | None:
    """The message a `message_snapshot` describes (not attached to any session); None when
    `snapshot` is not one (an event recorded before snapshots were carried).

    Built once per process and message: its subscribers in this process (one member's many
    devices) share it; nobody changes it (messages are immutable)."""
    if not isinstance(snapshot, dict):
        return None
    known = _SNAPSHOTS.get(str(snapshot.get("id")))
    if known is not None:
        return known
    message = _build_from_snapshot(snapshot)
    if message is not None:
        _SNAPSHOTS[str(message.id)] = message
        while len(_SNAPSHOTS) > _SNAPSHOTS_KEPT:
            _SNAPSHOTS.popitem(last=False)
    return message


def _build_from_snapshot(snapshot: dict[str, Any]) -> Message | None:
    try:
        sender = snapshot.get("senderId")
        return Message(
            id=uuid.UUID(snapshot["id"]),
            thread_id=uuid.UUID(snapshot["threadId"]),
            seq=int(snapshot["seq"]),
            kind=MessageKind(snapshot["kind"]),
            sender_id=uuid.UUID(sender) if sender is not None else None,
            body=snapshot.get("body"),
            event=snapshot.get("event"),
            data=snapshot.get("data"),
            warnings=snapshot.get("warnings"),
            created_at=datetime.fromisoformat(snapshot["createdAt"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


async def _notify(
    session: AsyncSession,
    thread: Thread,
    message: Message,
    *,
    recipient_id: uuid.UUID,
    listing: Listing | None,
) -> None:
    """`message.notify` for the recipient of a TEXT message (its e-mail, sent by the worker)."""
    sender = await session.get(Member, message.sender_id)
    listing = listing or await session.get(Listing, thread.listing_id)
    assert sender is not None and listing is not None and message.body is not None
    await record_event(
        session,
        topic=MESSAGE_NOTIFY_TOPIC,
        payload={
            "messageId": str(message.id),
            "threadId": str(thread.id),
            "recipientId": str(recipient_id),
            "senderName": sender.display_name,
            "listingTitle": listing.title,
            "excerpt": message.body[:EXCERPT_LENGTH],
        },
        member_id=recipient_id,
        flush=False,
    )


def _lock_id(member_id: uuid.UUID) -> int:
    raw = hashlib.sha256(b"c2c-api messages:" + member_id.bytes).digest()
    return int.from_bytes(raw[:8], "big", signed=True)


async def _check_rate(session: AsyncSession, member_id: uuid.UUID, limits: MessageLimits) -> None:
    """RATE_LIMITED (retryAfter) when the member sent `per_minute` TEXT messages in the last
    minute or `per_day` in the last day. One statement (two index range reads)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.exec(select(sa.func.pg_advisory_xact_lock(_lock_id(member_id))))
    now = utcnow()
    waits: list[datetime] = []

    def nth_newest(window: timedelta, n: int) -> sa.ScalarSelect[Any]:
        return (
            select(col(Message.created_at))
            .where(
                col(Message.sender_id) == member_id,
                col(Message.kind) == MessageKind.TEXT,
                col(Message.created_at) > now - window,
            )
            .order_by(col(Message.created_at).desc())
            .offset(n - 1)
            .limit(1)
            .scalar_subquery()
        )

    minute, day = timedelta(minutes=1), timedelta(days=1)
    in_minute, in_day = (
        await session.exec(
            select(nth_newest(minute, limits.per_minute), nth_newest(day, limits.per_day))
        )
    ).one()
    if in_minute is not None:
        waits.append(_aware(in_minute) + minute)
    if in_day is not None:
        waits.append(_aware(in_day) + day)
    if waits:
        seconds = (max(waits) - now).total_seconds()
        raise MessageRateLimited(retry_after=max(1, int(-(-seconds // 1))))


def _aware(value: Any) -> datetime:
    """A scalar subquery's datetime (SQLite gives it as text or naive)."""
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# --- reads ---------------------------------------------------------------------------------


async def get_threads(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Thread]:
    """Threads by id the caller takes part in (one statement, for DataLoaders)."""
    member_id = ThreadPolicy.member_of(actor)
    if not ids or member_id is None:
        return {}
    rows = await session.exec(
        select(Thread).where(
            col(Thread.id).in_(list(ids)),
            sa.or_(col(Thread.owner_id) == member_id, col(Thread.interested_id) == member_id),
        )
    )
    return {
        t.id: t
        for t in rows
        if ThreadPolicy.can_see(actor, owner_id=t.owner_id, interested_id=t.interested_id)
    }


async def get_messages(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Message]:
    """Messages by id, of threads the caller takes part in (one statement)."""
    member_id = ThreadPolicy.member_of(actor)
    if not ids or member_id is None:
        return {}
    rows = await session.exec(
        select(Message)
        .join(Thread, col(Thread.id) == col(Message.thread_id))
        .where(
            col(Message.id).in_(list(ids)),
            sa.or_(col(Thread.owner_id) == member_id, col(Thread.interested_id) == member_id),
        )
    )
    return {m.id: m for m in rows}


async def participants_of(
    session: AsyncSession, thread_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ThreadParticipant]]:
    """Both participants' rows of each thread (one statement; callers checked visibility)."""
    grouped: dict[uuid.UUID, list[ThreadParticipant]] = {i: [] for i in thread_ids}
    if not thread_ids:
        return grouped
    rows = await session.exec(
        select(ThreadParticipant).where(col(ThreadParticipant.thread_id).in_(list(thread_ids)))
    )
    for row in rows:
        grouped[row.thread_id].append(row)
    return grouped


async def last_messages(
    session: AsyncSession, thread_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Message]:
    """The newest message of each thread (one statement; callers checked visibility)."""
    if not thread_ids:
        return {}
    rows = await session.exec(
        select(Message)
        .join(
            Thread,
            sa.and_(col(Thread.id) == col(Message.thread_id), col(Thread.last_seq) == Message.seq),
        )
        .where(col(Thread.id).in_(list(thread_ids)))
    )
    return {m.thread_id: m for m in rows}


@dataclass(frozen=True)
class ThreadRow:
    """A thread of the caller's list, with the caller's participant row."""

    thread: Thread
    mine: ThreadParticipant


async def threads_of_member(
    session: AsyncSession,
    actor: Actor,
    *,
    unread_only: bool = False,
    limit: int,
    after: Position | None,
) -> Page[ThreadRow]:
    """The caller's threads, newest activity first (one statement)."""
    member_id = ThreadPolicy.member_of(actor)
    check_page_size(limit)
    if member_id is None:
        return Page([], False)
    conditions: list[sa.ColumnElement[bool]] = [col(ThreadParticipant.member_id) == member_id]
    if unread_only:
        conditions.append(col(ThreadParticipant.unread_count) > 0)
    rows, has_next = await keyset_page(
        session,
        select(ThreadParticipant, Thread)
        .join(Thread, col(Thread.id) == col(ThreadParticipant.thread_id))
        .where(*conditions),
        created_at=col(ThreadParticipant.last_message_at),
        ident=col(ThreadParticipant.thread_id),
        after=after,
        limit=limit,
    )
    return Page([ThreadRow(thread=t, mine=p) for p, t in rows], has_next)


async def messages_of_thread(
    session: AsyncSession, *, thread_id: uuid.UUID, limit: int, before_seq: int | None
) -> Page[Message]:
    """One page of a thread's messages, newest first, before `before_seq` (one statement on
    the (thread_id, seq) unique index; callers checked visibility)."""
    check_page_size(limit)
    query = select(Message).where(col(Message.thread_id) == thread_id)
    if before_seq is not None:
        query = query.where(col(Message.seq) < before_seq)
    rows = list(await session.exec(query.order_by(col(Message.seq).desc()).limit(limit + 1)))
    return Page.of(rows, limit)


async def unread_total(session: AsyncSession, actor: Actor) -> int:
    """Unread messages over all of the caller's threads (one statement)."""
    member_id = ThreadPolicy.member_of(actor)
    if member_id is None:
        return 0
    total = (
        await session.exec(
            select(sa.func.coalesce(sa.func.sum(ThreadParticipant.unread_count), 0)).where(
                col(ThreadParticipant.member_id) == member_id
            )
        )
    ).one()
    return int(total)
