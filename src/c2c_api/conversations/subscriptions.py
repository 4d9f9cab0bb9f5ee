"""Live conversations: `messageReceived` and `threadUpdated` for the viewer's threads.

The outbox relay publishes `message.sent` and `thread.updated` on the channel `member:<id>` of
each participant (worker.py), after commit. `message.sent` carries the message as committed
(messages never change; only its participants' channels hear it), so a fan-out to many
connections reads nothing; `thread.updated` re-reads the thread in a short session of its own
(read markers and counts move). A client that reconnects re-reads the thread's first page
(`Thread.messages`): `seq` tells what it missed.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING

import strawberry
from strawberry.types import Info

from c2c_api import authz
from c2c_api.conversations import service
from c2c_api.conversations.errors import ThreadNotFound
from c2c_api.conversations.graphql import SCOPE, MessageType, ThreadType, thread_uuid
from c2c_api.conversations.service import MESSAGE_SENT_TOPIC, THREAD_UPDATED_TOPIC
from c2c_api.graphql.live import channel_messages
from c2c_api.graphql.permissions import requires

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


async def _thread(ctx: Context, thread_id: uuid.UUID) -> ThreadType | None:
    async with ctx.db.sessionmaker() as session:
        found = await service.get_threads(session, ctx.actor, [thread_id])
    return ThreadType.from_model(found[thread_id]) if thread_id in found else None


async def _message(ctx: Context, message_id: uuid.UUID) -> MessageType | None:
    async with ctx.db.sessionmaker() as session:
        found = await service.get_messages(session, ctx.actor, [message_id])
    return MessageType.from_model(found[message_id]) if message_id in found else None


async def _only(ctx: Context, thread_id: strawberry.ID | None) -> uuid.UUID | None:
    if thread_id is None:
        return None
    only = thread_uuid(thread_id)
    if await _thread(ctx, only) is None:
        raise ThreadNotFound(fields=["threadId"])
    return only


@strawberry.type
class ConversationSubscription:
    @strawberry.subscription(
        description=(
            "Each new message of the viewer's conversations (or of one, `threadId`) as "
            "committed: the other participant's, system messages, and the viewer's own "
            "(for their other devices; `fromViewer`)."
        ),
        extensions=[requires(SCOPE)],
    )
    async def message_received(
        self, info: Info, thread_id: strawberry.ID | None = None
    ) -> AsyncGenerator[MessageType, None]:
        ctx: Context = info.context
        member_id = authz.require_member(ctx.actor)
        only = await _only(ctx, thread_id)
        async for payload in channel_messages(
            ctx, f"member:{member_id}", topics={MESSAGE_SENT_TOPIC}
        ):
            message_id, of_thread = _uuid(payload.get("messageId")), _uuid(payload.get("threadId"))
            if message_id is None or (only is not None and of_thread != only):
                continue
            # The committed message travels with the event (service.message_snapshot): no
            # read per subscriber. The channel is the viewer's own, so it is theirs to see.
            carried = service.message_from_snapshot(payload.get("message"))
            message = (
                MessageType.from_model(carried)
                if carried is not None
                else await _message(ctx, message_id)
            )
            if message is not None:
                yield message

    @strawberry.subscription(
        description=(
            "The viewer's conversations (or one, `threadId`) whose read markers moved: the "
            "thread as it is now (`viewerReadUpTo`, `counterpartReadUpTo`, `unreadCount`)."
        ),
        extensions=[requires(SCOPE)],
    )
    async def thread_updated(
        self, info: Info, thread_id: strawberry.ID | None = None
    ) -> AsyncGenerator[ThreadType, None]:
        ctx: Context = info.context
        member_id = authz.require_member(ctx.actor)
        only = await _only(ctx, thread_id)
        async for payload in channel_messages(
            ctx, f"member:{member_id}", topics={THREAD_UPDATED_TOPIC}
        ):
            of_thread = _uuid(payload.get("threadId"))
            if of_thread is None or (only is not None and of_thread != only):
                continue
            thread = await _thread(ctx, of_thread)
            if thread is not None:
                yield thread
