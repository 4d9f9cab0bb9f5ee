"""GraphQL types and entry points of conversations: `Thread` and `Message` (Nodes), the
viewer's threads, unread counts, sending, read markers, blocks (docs/messaging.md)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from c2c_api.conversations import service
from c2c_api.conversations.errors import MessageRateLimited
from c2c_api.conversations.models import Message, MessageKind, Thread, ThreadParticipant
from c2c_api.errors import DomainError, InvalidCursor
from c2c_api.graphql.errors import ErrorCodeEnum, UserError, mutation_payload, user_error
from c2c_api.graphql.loaders import loader, parse_node_ids, settle
from c2c_api.graphql.permissions import requires
from c2c_api.graphql.relay import connection, decode_cursor, global_id_uuid
from c2c_api.i18n import translate
from c2c_api.kit import cursors
from c2c_api.kit.keyset import check_page_size
from c2c_api.listings.graphql import ListingInterface, listing_loader, listing_to_graphql
from c2c_api.listings.ids import listing_uuid
from c2c_api.trust.graphql import MessageWarningType
from c2c_api.trust.warnings import MessageWarning
from c2c_api.users.graphql import MemberType, member_loader

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context
    from c2c_api.offers.graphql import OfferType
    from c2c_api.orders.graphql import OrderType

SCOPE = "messages:write"
MY_THREADS_SCOPE = "Query.myThreads"
MY_BLOCKS_SCOPE = "Query.myBlockedMembers"

MessageKindEnum = strawberry.enum(
    MessageKind,
    name="MessageKind",
    description="TEXT: written by a participant; SYSTEM: an offer or order event.",
)


def thread_uuid(value: str, field: str = "threadId") -> uuid.UUID:
    return global_id_uuid(value, "Thread", field=field)


def message_uuid(value: str, field: str) -> uuid.UUID:
    return global_id_uuid(value, "Message", field=field)


def member_uuid(value: str) -> uuid.UUID:
    return global_id_uuid(value, "Member", field="memberId")


_GLOBAL_IDS = {"offerId": "Offer", "orderId": "Order"}
_HIDDEN_DATA = {"listingId", "recipientId", "notify"}  # the thread tells the listing


# --- loaders -------------------------------------------------------------------------------


async def _threads_batch(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Thread]:
    return await service.get_threads(ctx.session, ctx.actor, ids)


async def _participants_batch(
    ctx: Context, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ThreadParticipant]]:
    return await service.participants_of(ctx.session, ids)


async def _last_messages_batch(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Message]:
    return await service.last_messages(ctx.session, ids)


# Offers and orders are resolved through their domains, imported when first asked for:
# they post into conversations (their services import conversations'), not the reverse.


async def _orders_batch(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
    from c2c_api.orders import service as orders

    return await orders.orders_on_listings(ctx.session, ctx.actor, ids)


async def _offers_batch(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
    from c2c_api.offers import service as offers

    return await offers.offers_on_listings(ctx.session, ctx.actor, ids)


def _between(thread: Thread, rows: list[Any] | None) -> list[Any]:
    parties = {thread.owner_id, thread.interested_id}
    return [r for r in rows or [] if {r.buyer_id, r.seller_id} == parties]


def thread_loader(info: Info) -> Any:
    return loader(info.context, "conversations.threads", _threads_batch)


def _participants_loader(info: Info) -> Any:
    return loader(info.context, "conversations.participants", _participants_batch)


def _last_message_loader(info: Info) -> Any:
    return loader(info.context, "conversations.last_messages", _last_messages_batch)


def _member_type(member: Any) -> MemberType | None:
    return MemberType.from_model(member) if member is not None else None


def _warning_types(found: Iterable[MessageWarning]) -> list[MessageWarningType]:
    return [MessageWarningType.from_warning(w) for w in found]


# --- types ---------------------------------------------------------------------------------


@strawberry.type(
    name="Message",
    description=(
        "A message of a conversation: TEXT written by a participant, or SYSTEM for an offer "
        "or order event (`event`, `data`). Visible to the two participants only."
    ),
)
class MessageType(relay.Node):
    # Column copies are plain attributes, filled by from_model: strawberry reads them without
    # calling a resolver (a page of 50 messages resolves hundreds of fields).
    id: relay.NodeID[uuid.UUID]
    _row: strawberry.Private[Message]
    kind: MessageKindEnum  # type: ignore[valid-type]
    seq: int = strawberry.field(
        description="Its number in the thread: 1, 2, … (read markers count so)."
    )
    text: str | None = strawberry.field(
        description="TEXT: what was written (null for SYSTEM messages)."
    )
    event: str | None = strawberry.field(
        description=(
            "SYSTEM: the event (offer.received, offer.updated, order.updated); null for TEXT."
        )
    )
    created_at: datetime

    @classmethod
    def from_model(cls, message: Message) -> MessageType:
        return cls(
            id=message.id,
            _row=message,
            kind=message.kind,
            seq=message.seq,
            text=message.body,
            event=message.event,
            created_at=message.created_at,
        )

    @strawberry.field(
        description=(
            "SYSTEM: the event's data: offerId (a global id), status, amount, currency, "
            "madeBy, quantity; or orderId (a global id), state, transition, version. Fetch "
            "the offer or order with node(id:)."
        )
    )
    def data(self) -> strawberry.scalars.JSON | None:
        if self._row.data is None:
            return None
        data = {k: v for k, v in self._row.data.items() if k not in _HIDDEN_DATA}
        for key, type_name in _GLOBAL_IDS.items():
            if isinstance(data.get(key), str):
                data[key] = relay.to_base64(type_name, data[key])
        return strawberry.scalars.JSON(data)

    @strawberry.field(description="Written (or, SYSTEM, caused) by the viewer.")
    def from_viewer(self, info: Info) -> bool:
        me = info.context.actor.member_id
        return me is not None and self._row.sender_id == me

    @strawberry.field(
        description=(
            "Scam warnings the text carried when it was sent (contact details, payment off "
            "the platform): shown to both participants."
        )
    )
    def warnings(self, info: Info) -> list[MessageWarningType]:
        if not self._row.warnings:
            return []
        return _warning_types(service.warnings_of(self._row))

    # Synchronous when the loader already holds the member, else an awaitable (settle).
    def _sender(self, info: Info) -> Any:
        if self._row.sender_id is None:
            return None
        return settle(member_loader(info).load(self._row.sender_id), _member_type)

    sender: MemberType | None = strawberry.field(
        resolver=_sender,
        description="TEXT: its writer. SYSTEM: the member who caused the event (null: none).",
    )

    @strawberry.field
    async def thread(self, info: Info) -> ThreadType | None:
        found = await thread_loader(info).load(self._row.thread_id)
        return ThreadType.from_model(found) if found is not None else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> Iterable[MessageType | None]:
        ctx: Context = info.context
        ids = parse_node_ids(node_ids)
        found = await service.get_messages(
            ctx.session, ctx.actor, [i for i in ids if i is not None]
        )
        return [cls.from_model(found[i]) if i in found else None for i in ids]


def _messages_scope(thread_id: uuid.UUID) -> str:
    return f"Thread.messages:{thread_id}"


@strawberry.type(
    name="Thread",
    description=(
        "The conversation between a listing's owner and one interested member (the buyer, or "
        "the member answering a WANTED listing): their messages and the system messages of "
        "their offers and orders on it. Visible to its two participants only."
    ),
)
class ThreadType(relay.Node):
    id: relay.NodeID[uuid.UUID]
    _row: strawberry.Private[Thread]

    @classmethod
    def from_model(cls, thread: Thread) -> ThreadType:
        return cls(id=thread.id, _row=thread)

    @strawberry.field
    def created_at(self) -> datetime:
        return self._row.created_at

    @strawberry.field(description="When its newest message was written.")
    def last_message_at(self) -> datetime:
        return self._row.last_message_at

    @strawberry.field(description="How many messages it holds (the newest one's seq).")
    def message_count(self) -> int:
        return self._row.last_seq

    @strawberry.field(description="The viewer owns the listing (else the viewer is interested).")
    def viewer_is_owner(self, info: Info) -> bool:
        return info.context.actor.member_id == self._row.owner_id

    @strawberry.field(description="The listing (null when the viewer may no longer see it).")
    async def listing(self, info: Info) -> ListingInterface | None:
        row = await listing_loader(info).load(self._row.listing_id)
        return listing_to_graphql(row) if row is not None else None

    @strawberry.field(description="The other participant.")
    async def counterpart(self, info: Info) -> MemberType | None:
        me = info.context.actor.member_id
        other = service.counterpart_of(self._row, me) if me is not None else self._row.owner_id
        member = await member_loader(info).load(other)
        return MemberType.from_model(member) if member is not None else None

    async def _participant(self, info: Info, *, mine: bool) -> ThreadParticipant | None:
        me = info.context.actor.member_id
        rows = await _participants_loader(info).load(self._row.id)
        for row in rows or []:
            if (row.member_id == me) == mine:
                return row
        return None

    @strawberry.field(description="Messages the viewer has not read (not counting their own).")
    async def unread_count(self, info: Info) -> int:
        row = await self._participant(info, mine=True)
        return row.unread_count if row is not None else 0

    @strawberry.field(description="The seq of the last message the viewer read (0: none).")
    async def viewer_read_up_to(self, info: Info) -> int:
        row = await self._participant(info, mine=True)
        return row.last_read_seq if row is not None else 0

    @strawberry.field(
        description="The seq of the last message the other participant read (0: none)."
    )
    async def counterpart_read_up_to(self, info: Info) -> int:
        row = await self._participant(info, mine=False)
        return row.last_read_seq if row is not None else 0

    @strawberry.field(
        description=(
            "The orders between the two participants on this listing, newest first (empty "
            "when the token may not see orders: that needs orders:write)."
        )
    )
    async def orders(
        self, info: Info
    ) -> list[Annotated[OrderType, strawberry.lazy("c2c_api.orders.graphql")]]:
        from c2c_api.orders.graphql import OrderType

        rows = await loader(info.context, "conversations.orders", _orders_batch).load(
            self._row.listing_id
        )
        return [OrderType.from_model(o) for o in _between(self._row, rows)]

    @strawberry.field(
        description=(
            "The offers between the two participants on this listing (every offer of each "
            "negotiation), newest first (empty without offers:write)."
        )
    )
    async def offers(
        self, info: Info
    ) -> list[Annotated[OfferType, strawberry.lazy("c2c_api.offers.graphql")]]:
        from c2c_api.offers.graphql import OfferType

        rows = await loader(info.context, "conversations.offers", _offers_batch).load(
            self._row.listing_id
        )
        return [OfferType.from_model(o) for o in _between(self._row, rows)]

    @strawberry.field(description="The newest message.")
    async def last_message(self, info: Info) -> MessageType | None:
        row = await _last_message_loader(info).load(self._row.id)
        return MessageType.from_model(row) if row is not None else None

    @strawberry.field(description="Its messages, newest first (`after`: a cursor of this list).")
    async def messages(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> relay.Connection[MessageType]:
        ctx: Context = info.context
        scope = _messages_scope(self._row.id)
        before: int | None = None
        if after is not None:
            try:
                values = cursors.decode(ctx.settings.secret_key, scope, after)
                if len(values) != 1 or not isinstance(values[0], int):
                    raise cursors.CursorError("not a message cursor")
                before = values[0]
            except cursors.CursorError as exc:
                raise InvalidCursor(fields=["after"]) from exc
        check_page_size(first)
        page = await service.messages_of_thread(
            ctx.session, thread_id=self._row.id, limit=first, before_seq=before
        )
        edges = [
            relay.Edge(
                node=MessageType.from_model(m),
                cursor=cursors.encode(ctx.settings.secret_key, scope, [m.seq]),
            )
            for m in page.items
        ]
        return relay.Connection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> Iterable[ThreadType | None]:
        ids = parse_node_ids(node_ids)
        found = await thread_loader(info).load_many([i for i in ids if i is not None])
        by_id = {t.id: t for t in found if t is not None}
        return [cls.from_model(by_id[i]) if i in by_id else None for i in ids]


# --- payloads ------------------------------------------------------------------------------


@strawberry.type(
    description=(
        "Sent (or, for a dry run, checked and not sent). `warnings` are the scam warnings the "
        "text carries: the recipient sees them with the message."
    )
)
class SendMessageSuccess:
    sent: bool = strawberry.field(description="False for a dry run.")
    text: str = strawberry.field(description="The text as stored (normalised, trimmed).")
    warnings: list[MessageWarningType]
    sent_message: MessageType | None = strawberry.field(
        description="The message as stored (null for a dry run)."
    )
    thread: ThreadType | None = strawberry.field(
        description="Null for a dry run on a listing without a conversation yet."
    )


@strawberry.type(
    description=(
        "Too many messages: RATE_LIMITED, retry after `retryAfter` seconds (nothing was sent)."
    )
)
class MessageRateLimitedError:
    code: ErrorCodeEnum  # type: ignore[valid-type]
    message: str = strawberry.field(description="Human-readable, in the caller's language.")
    fields: list[str]
    retry_after: int = strawberry.field(description="Seconds until a message will be accepted.")


SendMessagePayload = Annotated[
    SendMessageSuccess | MessageRateLimitedError | UserError,
    strawberry.union("SendMessagePayload"),
]


@strawberry.type(description="The viewer's read marker moved (or was already further).")
class MarkThreadReadSuccess:
    thread: ThreadType


MarkThreadReadPayload = Annotated[
    MarkThreadReadSuccess | UserError, strawberry.union("MarkThreadReadPayload")
]


@strawberry.type(description="The block is in place (blockMember) or lifted (unblockMember).")
class BlockSuccess:
    member: MemberType
    blocked: bool


BlockPayload = Annotated[BlockSuccess | UserError, strawberry.union("BlockPayload")]

P = ParamSpec("P")
R = TypeVar("R")


def message_payload(
    resolver: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[R | UserError | MessageRateLimitedError]]:
    """`mutation_payload`, with the rate limit's own error type (its `retryAfter`)."""

    @functools.wraps(resolver)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | UserError | MessageRateLimitedError:
        info = kwargs.get("info")
        assert isinstance(info, Info), "mutation resolvers take `info`"
        ctx = info.context
        try:
            async with ctx.use_case():
                return await resolver(*args, **kwargs)
        except MessageRateLimited as error:
            return MessageRateLimitedError(
                code=error.code,
                message=translate(error.message, ctx.locale),
                fields=list(error.fields),
                retry_after=error.retry_after,
            )
        except DomainError as error:
            return user_error(error, ctx.locale)

    return wrapper


# --- entry points --------------------------------------------------------------------------


@strawberry.type
class ConversationQuery:
    @strawberry.field(
        description=(
            "The viewer's conversations, newest activity first; `unreadOnly` keeps those "
            "with unread messages."
        ),
        extensions=[requires(SCOPE)],
    )
    async def my_threads(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        unread_only: bool = False,
    ) -> relay.Connection[ThreadType] | None:
        ctx: Context = info.context
        page = await service.threads_of_member(
            ctx.session,
            ctx.actor,
            unread_only=unread_only,
            limit=first,
            after=decode_cursor(info, MY_THREADS_SCOPE, after),
        )
        return connection(
            info,
            page,
            scope=MY_THREADS_SCOPE,
            node=lambda r: ThreadType.from_model(r.thread),
            key=lambda r: (r.mine.last_message_at, r.thread.id),
            after=after,
        )

    @strawberry.field(
        description="Unread messages over all of the viewer's conversations.",
        extensions=[requires(SCOPE)],
    )
    async def my_unread_message_count(self, info: Info) -> int | None:
        ctx: Context = info.context
        return await service.unread_total(ctx.session, ctx.actor)

    @strawberry.field(
        description="The members the viewer blocked, most recent block first.",
        extensions=[requires(SCOPE)],
    )
    async def my_blocked_members(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> relay.Connection[MemberType] | None:
        ctx: Context = info.context
        page = await service.blocked_members(
            ctx.session,
            ctx.actor,
            limit=first,
            after=decode_cursor(info, MY_BLOCKS_SCOPE, after),
        )
        return connection(
            info,
            page,
            scope=MY_BLOCKS_SCOPE,
            node=lambda r: MemberType.from_model(r[1]),
            key=lambda r: (r[0].created_at, r[0].blocked_id),
            after=after,
        )


@strawberry.type
class ConversationMutation:
    @strawberry.mutation(
        description=(
            "Write to a listing's owner (`listingId`: the first message opens the "
            "conversation, later ones continue it) or in a conversation (`threadId`). 1 to "
            "4,000 characters, no control characters but line breaks and tabs. `dryRun` "
            "checks the text and returns its warnings without sending. At most 30 messages a "
            "minute and 300 a day (RATE_LIMITED with `retryAfter`)."
        ),
        extensions=[requires(SCOPE)],
    )
    @message_payload
    async def send_message(
        self,
        info: Info,
        text: str,
        listing_id: strawberry.ID | None = None,
        thread_id: strawberry.ID | None = None,
        dry_run: bool = False,
    ) -> SendMessagePayload:
        ctx: Context = info.context
        outcome = await service.send_message(
            ctx.session,
            ctx.actor,
            text=text,
            listing_id=listing_uuid(listing_id, "listingId") if listing_id is not None else None,
            thread_id=thread_uuid(thread_id) if thread_id is not None else None,
            dry_run=dry_run,
            limits=service.MessageLimits.from_settings(ctx.settings),
        )
        return SendMessageSuccess(
            sent=outcome.message is not None,
            text=outcome.text,
            warnings=_warning_types(outcome.warnings),
            sent_message=MessageType.from_model(outcome.message) if outcome.message else None,
            thread=ThreadType.from_model(outcome.thread) if outcome.thread else None,
        )

    @strawberry.mutation(
        description=(
            "The viewer has read the conversation up to the message `upTo` (default: its "
            "newest). A marker only moves forward; the other participant sees it "
            "(`counterpartReadUpTo`, `threadUpdated`)."
        ),
        extensions=[requires(SCOPE)],
    )
    @mutation_payload
    async def mark_thread_read(
        self, info: Info, thread_id: strawberry.ID, up_to: strawberry.ID | None = None
    ) -> MarkThreadReadPayload | None:
        ctx: Context = info.context
        message_id = message_uuid(up_to, "upTo") if up_to is not None else None
        thread = await service.mark_thread_read(
            ctx.session, ctx.actor, thread_id=thread_uuid(thread_id), up_to=message_id
        )
        return MarkThreadReadSuccess(thread=ThreadType.from_model(thread))

    @strawberry.mutation(
        description=(
            "Block a member: no message, offer or order between you two any more, in either "
            "direction (they are told only MEMBER_UNAVAILABLE, never who blocked whom). "
            "Orders already made go on."
        ),
        extensions=[requires(SCOPE)],
    )
    @mutation_payload
    async def block_member(self, info: Info, member_id: strawberry.ID) -> BlockPayload | None:
        ctx: Context = info.context
        member = await service.block_member(
            ctx.session, ctx.actor, member_id=member_uuid(member_id)
        )
        return BlockSuccess(member=MemberType.from_model(member), blocked=True)

    @strawberry.mutation(
        description="Lift your block of a member (a no-op when there was none).",
        extensions=[requires(SCOPE)],
    )
    @mutation_payload
    async def unblock_member(self, info: Info, member_id: strawberry.ID) -> BlockPayload | None:
        ctx: Context = info.context
        member = await service.unblock_member(
            ctx.session, ctx.actor, member_id=member_uuid(member_id)
        )
        return BlockSuccess(member=MemberType.from_model(member), blocked=False)
