"""The outbox worker of this application: which handler serves which topic, and its commands.

    topic                   handler                                 kind
    mail.send               users.mail.MailDelivery (SMTP)          leased (at least once)
    saved_search.match      search.service.run_match_job            transactional (once)
    listing.expire          listings.service.expire_listing (timer) transactional (once)
    listing.changed         relay -> broker channel listing:<id>    leased (at least once)
    saved_search.matched    relay -> broker channel member:<id>     leased (at least once)
    order.updated, offer.received, offer.updated, message.sent, thread.updated
                            relay -> broker channel member:<id>     leased (at least once)
    order.<timer> (6)       orders.service.fire_order_timer         transactional (once)
    offer.expire            offers.service.expire_offer (timer)     transactional (once)
    rating.reveal           ratings.service.reveal_due_ratings      transactional (once)
    rating.revealed         relay -> broker channel member:<id>     leased (at least once)
    ledger.hold_expire      ledger.service.expire_hold (timer)      transactional (once)
    order.refund            orders.payments.RefundDelivery          leased (provider call)
    deal.notify             orders.notify.send_notification         transactional (once)
    message.notify          notifications.service.recipient_connected, then notify_message
                                                                    prepared (once; presence
                                                                    asked outside it)
    payments.sandbox_webhook  payments.sandbox.SandboxWebhookDelivery leased (sandbox only)

`c2c-api worker` runs it; `c2c-api serve` runs one in-process on SQLite (the embedded default)
or when `C2C_WORKER_IN_PROCESS=true`. `c2c-api outbox list|retry` are the operator's commands.
See docs/worker.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

import click
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.broker import Broker, broker_from_settings
from c2c_api.config import Settings
from c2c_api.conversations.service import MESSAGE_SENT_TOPIC, THREAD_UPDATED_TOPIC
from c2c_api.db import Database
from c2c_api.events.models import OutboxEvent
from c2c_api.events.worker import Handlers, RetryPolicy, Worker
from c2c_api.ledger.service import HOLD_EXPIRE_ACTION, expire_hold
from c2c_api.listings.revisions import EXPIRE_ACTION, LISTING_CHANGED_TOPIC
from c2c_api.listings.service import expire_listing
from c2c_api.notifications.presence import Presence, presence_from_settings
from c2c_api.notifications.service import (
    MESSAGE_NOTIFY_TOPIC,
    notify_message,
    recipient_connected,
)
from c2c_api.offers.service import EXPIRE_ACTION as OFFER_EXPIRE_ACTION
from c2c_api.offers.service import OFFER_RECEIVED_TOPIC, OFFER_UPDATED_TOPIC, expire_offer
from c2c_api.orders.effects import REFUND_TOPIC
from c2c_api.orders.notify import NOTIFY_TOPIC, send_notification
from c2c_api.orders.payments import RefundDelivery, provider_for
from c2c_api.orders.process import TIMER_ACTIONS
from c2c_api.orders.service import ORDER_UPDATED_TOPIC, fire_order_timer
from c2c_api.payments.sandbox import SANDBOX_WEBHOOK_TOPIC, SandboxProvider, SandboxWebhookDelivery
from c2c_api.ratings.service import (
    REVEAL_ACTION,
    REVEALED_TOPIC,
    RatingRules,
    reveal_due_ratings,
)
from c2c_api.search.service import MATCH_JOB_TOPIC, MATCH_TOPIC, run_match_job
from c2c_api.users.mail import MAIL_TOPIC, MailDelivery, Mailer, build_mailer

# What the relay publishes, and on which channel (the subscriptions' contract).
RELAYED_TOPICS = {
    LISTING_CHANGED_TOPIC: "listing",
    MATCH_TOPIC: "member",
    ORDER_UPDATED_TOPIC: "member",
    OFFER_RECEIVED_TOPIC: "member",
    OFFER_UPDATED_TOPIC: "member",
    REVEALED_TOPIC: "member",
    MESSAGE_SENT_TOPIC: "member",
    THREAD_UPDATED_TOPIC: "member",
}


def channel_of(event: OutboxEvent) -> str:
    """The broker channel of a relayed event: `listing:<id>` or `member:<id>`."""
    if event.topic == LISTING_CHANGED_TOPIC:
        return f"listing:{event.payload['listingId']}"
    return f"member:{event.member_id}"


class Relay:
    """Publishes relayed events to the broker after commit ({"topic", "eventId", "payload"})."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker

    async def __call__(self, event: OutboxEvent) -> None:
        await self.broker.publish(
            channel_of(event),
            {"topic": event.topic, "eventId": str(event.id), "payload": event.payload},
        )


def register_deal_handlers(handlers: Handlers, settings: Settings, db: Database) -> None:
    """Orders, offers, ratings, the ledger's holds, refunds, e-mails and the sandbox's webhooks."""

    async def deal_notify(session: AsyncSession, event: OutboxEvent) -> None:
        await send_notification(session, event, settings=settings)

    def order_timer(action: str) -> Callable[[AsyncSession, OutboxEvent], Awaitable[None]]:
        async def fire(session: AsyncSession, event: OutboxEvent) -> None:
            await fire_order_timer(
                session, order_id=uuid.UUID(str(event.payload["subjectId"])), action=action
            )

        return fire

    for action in TIMER_ACTIONS:
        handlers.on_transaction(action, order_timer(action))

    async def offer_expiry(session: AsyncSession, event: OutboxEvent) -> None:
        await expire_offer(session, offer_id=uuid.UUID(str(event.payload["subjectId"])))

    async def hold_expiry(session: AsyncSession, event: OutboxEvent) -> None:
        await expire_hold(session, hold_id=uuid.UUID(str(event.payload["subjectId"])))

    rating_rules = RatingRules.from_settings(settings)

    async def rating_reveal(session: AsyncSession, event: OutboxEvent) -> None:
        await reveal_due_ratings(
            session,
            order_id=uuid.UUID(str(event.payload["subjectId"])),
            settings=settings,
            rules=rating_rules,
        )

    handlers.on_transaction(OFFER_EXPIRE_ACTION, offer_expiry)
    handlers.on_transaction(REVEAL_ACTION, rating_reveal)
    handlers.on_transaction(HOLD_EXPIRE_ACTION, hold_expiry)
    handlers.on_transaction(NOTIFY_TOPIC, deal_notify)
    provider = provider_for(db, settings)
    handlers.on_lease(REFUND_TOPIC, RefundDelivery(db, provider))
    if isinstance(provider, SandboxProvider):
        handlers.on_lease(SANDBOX_WEBHOOK_TOPIC, SandboxWebhookDelivery(db, provider))


def register_notification_handlers(
    handlers: Handlers, settings: Settings, presence: Presence
) -> None:
    """E-mails about new messages to members who are not connected (docs/notifications.md)."""

    async def connected(event: OutboxEvent) -> bool:
        return await recipient_connected(event, presence=presence)

    async def message_notify(session: AsyncSession, event: OutboxEvent, connected: bool) -> None:
        await notify_message(session, event, settings=settings, connected=connected)

    handlers.on_prepared(MESSAGE_NOTIFY_TOPIC, connected, message_notify)


def build_handlers(
    settings: Settings,
    db: Database,
    *,
    broker: Broker,
    mailer: Mailer | None = None,
    presence: Presence | None = None,
) -> Handlers:
    """Every topic's handler (the table in the module docstring). `presence` is the API's own
    registry when the worker runs in its process; by default one from the settings."""
    handlers = Handlers()
    handlers.on_lease(
        MAIL_TOPIC,
        MailDelivery(
            db, mailer or build_mailer(settings), max_attempts=settings.outbox_max_attempts
        ),
    )
    batch = settings.saved_search_match_batch

    async def match(session: AsyncSession, event: OutboxEvent) -> None:
        await run_match_job(
            session,
            listing_id=uuid.UUID(str(event.payload["listingId"])),
            after=event.payload.get("after"),
            batch=batch,
        )

    async def expire(session: AsyncSession, event: OutboxEvent) -> None:
        await expire_listing(session, listing_id=uuid.UUID(str(event.payload["subjectId"])))

    handlers.on_transaction(MATCH_JOB_TOPIC, match)
    handlers.on_transaction(EXPIRE_ACTION, expire)
    register_deal_handlers(handlers, settings, db)
    register_notification_handlers(
        handlers, settings, presence if presence is not None else presence_from_settings(settings)
    )
    relay = Relay(broker)
    for topic in RELAYED_TOPICS:
        handlers.on_lease(topic, relay, quick=True)
    return handlers


def build_worker(
    settings: Settings,
    db: Database,
    *,
    broker: Broker,
    mailer: Mailer | None = None,
    presence: Presence | None = None,
) -> Worker:
    """The worker with this application's handlers and the settings' retry policy."""
    return Worker(
        db,
        build_handlers(settings, db, broker=broker, mailer=mailer, presence=presence),
        policy=RetryPolicy(
            max_attempts=settings.outbox_max_attempts,
            base=timedelta(seconds=settings.outbox_retry_base_seconds),
            cap=timedelta(seconds=settings.outbox_retry_max_seconds),
        ),
        batch_size=settings.worker_batch_size,
        claim_batch=settings.worker_claim_batch,
        poll_interval=settings.worker_poll_interval,
        lease=timedelta(seconds=settings.worker_lease_seconds),
        # Several processes share Redis: API processes' commits wake this worker at once.
        wakeups=broker if settings.redis_url else None,
    )


async def run_worker(settings: Settings, *, once: bool = False) -> int:
    """Run the worker until SIGTERM/SIGINT (or one round with `once`)."""
    db = Database(settings)
    broker = broker_from_settings(settings)
    presence = presence_from_settings(settings)
    worker = build_worker(settings, db, broker=broker, presence=presence)
    try:
        if once:
            return await worker.run_once()
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            if task is not None:
                loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await worker.run()
        return 0
    finally:
        await broker.close()
        await presence.close()
        await db.dispose()


@click.command("worker")
@click.option("--once", is_flag=True, help="Fire due timers and handle one batch, then exit.")
@click.option(
    "--metrics-port", type=int, default=None, help="Serve Prometheus metrics on this port."
)
def worker_command(once: bool, metrics_port: int | None) -> None:
    """Deliver outbox events and fire timers (several may run against PostgreSQL)."""
    from c2c_api.kit.commands import load_settings, run
    from c2c_api.logging import configure_logging

    settings = load_settings()
    configure_logging(settings)
    if metrics_port is not None:
        from prometheus_client import start_http_server

        from c2c_api.observability import REGISTRY

        start_http_server(metrics_port, addr="127.0.0.1", registry=REGISTRY)
    done = run(run_worker(settings, once=once))
    if once:
        click.echo(f"handled {done} event(s) and timer(s)")


def register(main: click.Group) -> None:
    from c2c_api.events.cli import outbox

    main.add_command(worker_command)
    main.add_command(outbox)
