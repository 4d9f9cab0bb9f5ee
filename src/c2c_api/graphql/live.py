"""Subscriptions' plumbing: a subscription reads the broker channel of what it watches.

Only the outbox relay publishes to the broker, after commit (events/worker.py, worker.py):
a subscriber never hears of a change that was rolled back. Each message is checked against
the subscriber's rights when it arrives (it may have lost them since it subscribed), in a short
read session of its own: a connection never holds a transaction open between messages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from typing import TYPE_CHECKING, Any

from c2c_api.errors import DomainError, ErrorCode

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context


class SubscriptionsUnavailable(DomainError):
    """Subscriptions need a WebSocket connection (graphql-transport-ws on /graphql)."""

    code = ErrorCode.INVALID_STATE


async def channel_messages(
    ctx: Context, channel: str, *, topics: Collection[str] | None = None
) -> AsyncIterator[dict[str, Any]]:
    """The payloads published on `channel` from now on (only those of `topics` when given),
    until the subscriber leaves."""
    if ctx.broker is None:
        raise SubscriptionsUnavailable()
    async with ctx.broker.subscribe(channel) as messages:
        await ctx.end_reads()  # nothing read is kept while waiting
        async for message in messages:
            payload = message.get("payload")
            if topics is not None and message.get("topic") not in topics:
                continue
            if isinstance(payload, dict):
                yield payload
