"""The sandbox provider: each test card, idempotency by request id, refunds, payouts, and
delayed outcomes delivered later by the outbox worker as signed webhooks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.events.models import EventStatus, OutboxEvent
from c2c_api.events.worker import Handlers, Worker
from c2c_api.kit.clock import clock
from c2c_api.payments.factory import provider_from_settings
from c2c_api.payments.models import PaymentWebhookEvent, SandboxOperation
from c2c_api.payments.providers import (
    ChargeRequest,
    ChargeStatus,
    PayoutRequest,
    PayoutStatus,
    ProviderUnavailable,
    RefundRequest,
    RefundStatus,
)
from c2c_api.payments.sandbox import SANDBOX_WEBHOOK_TOPIC, SandboxProvider, SandboxWebhookDelivery
from payments_provider_support import count, effects, recorded_events

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def provider(db: Database, settings: Settings) -> SandboxProvider:
    clock.freeze(T0)
    made = provider_from_settings(settings, db)
    assert isinstance(made, SandboxProvider)
    return made


def charge_of(
    method: str, *, amount: int = 1_250, payment_id: uuid.UUID | None = None
) -> ChargeRequest:
    return ChargeRequest(
        payment_id=payment_id or uuid.uuid4(),
        amount=amount,
        currency="EUR",
        payment_method=method,
        description="order 42",
    )


def worker_for(db: Database, provider: SandboxProvider) -> Worker:
    handlers = Handlers()
    handlers.on_lease(SANDBOX_WEBHOOK_TOPIC, SandboxWebhookDelivery(db, provider))
    return Worker(db, handlers)


class TestCharge:
    @pytest.mark.parametrize(
        ("method", "status", "reason"),
        [
            ("card_success", ChargeStatus.SUCCEEDED, None),
            ("4242424242424242", ChargeStatus.SUCCEEDED, None),
            ("card_decline", ChargeStatus.DECLINED, "card declined"),
            ("4000000000000002", ChargeStatus.DECLINED, "card declined"),
            ("card_insufficient_funds", ChargeStatus.INSUFFICIENT_FUNDS, "insufficient funds"),
            ("4000000000009995", ChargeStatus.INSUFFICIENT_FUNDS, "insufficient funds"),
            ("card_delayed_success", ChargeStatus.PENDING, None),
            ("4000000000003220", ChargeStatus.PENDING, None),
            ("card_delayed_decline", ChargeStatus.PENDING, None),
            ("5555555555554444", ChargeStatus.DECLINED, "unknown test card"),
        ],
    )
    async def test_each_test_card(
        self,
        db: Database,
        provider: SandboxProvider,
        method: str,
        status: ChargeStatus,
        reason: str | None,
    ) -> None:
        request = charge_of(method)
        result = await provider.charge(request)
        assert (result.status, result.failure_reason) == (status, reason)
        assert result.provider_ref == f"sbx_ch_{request.payment_id.hex}"
        async with db.sessionmaker() as s:
            scheduled = (
                await s.exec(select(OutboxEvent).where(OutboxEvent.topic == SANDBOX_WEBHOOK_TOPIC))
            ).all()
        # Only a PENDING charge announces a webhook, due after the configured delay.
        assert [e.available_at for e in scheduled] == (
            [T0 + timedelta(seconds=2)] if status == ChargeStatus.PENDING else []
        )

    async def test_is_idempotent_by_payment_id(
        self, db: Database, provider: SandboxProvider
    ) -> None:
        request = charge_of("card_success")
        first = await provider.charge(request)
        second = await provider.charge(request)
        assert first == second
        assert await count(db, SandboxOperation) == 1

    async def test_a_failed_id_fails_again_whatever_is_sent_next(
        self, db: Database, provider: SandboxProvider
    ) -> None:
        declined = await provider.charge(charge_of("card_decline"))
        payment_id = uuid.UUID(declined.provider_ref.removeprefix("sbx_ch_"))
        again = await provider.charge(charge_of("card_success", payment_id=payment_id))
        assert again == declined

    async def test_an_unavailable_provider_records_nothing(
        self, db: Database, provider: SandboxProvider
    ) -> None:
        with pytest.raises(ProviderUnavailable) as caught:
            await provider.charge(charge_of("provider_unavailable"))
        assert caught.value.retryable
        assert await count(db, SandboxOperation) == 0


class TestRefund:
    async def test_refunds_up_to_the_charge(self, db: Database, provider: SandboxProvider) -> None:
        charge = await provider.charge(charge_of("card_success", amount=1_000))

        def refund(amount: int) -> RefundRequest:
            return RefundRequest(uuid.uuid4(), charge.provider_ref, amount, "EUR")

        first = refund(600)
        assert (await provider.refund(first)).status == RefundStatus.SUCCEEDED
        assert (await provider.refund(first)).status == RefundStatus.SUCCEEDED  # same id: once
        assert (await provider.refund(refund(500))).status == RefundStatus.FAILED
        assert (await provider.refund(refund(400))).status == RefundStatus.SUCCEEDED

    async def test_refuses_an_unknown_or_unpaid_charge(
        self, db: Database, provider: SandboxProvider
    ) -> None:
        declined = await provider.charge(charge_of("card_decline"))
        for ref in ("sbx_ch_nothing", declined.provider_ref):
            result = await provider.refund(RefundRequest(uuid.uuid4(), ref, 100, "EUR"))
            assert result.status == RefundStatus.FAILED


class TestPayout:
    @pytest.mark.parametrize(
        ("destination", "status"),
        [
            ("FR7630006000011234567890189", PayoutStatus.PAID),
            ("payout_delayed", PayoutStatus.PENDING),
            ("payout_fail", PayoutStatus.PENDING),
        ],
    )
    async def test_by_destination(
        self, db: Database, provider: SandboxProvider, destination: str, status: PayoutStatus
    ) -> None:
        request = PayoutRequest(uuid.uuid4(), uuid.uuid4(), 900, "EUR", destination)
        result = await provider.payout(request)
        assert result.status == status
        assert await provider.payout(request) == result


@pytest.mark.usefixtures("recording_handlers")
class TestDelayedOutcomes:
    async def test_a_delayed_success_arrives_by_webhook_after_the_delay(
        self, db: Database, provider: SandboxProvider
    ) -> None:
        request = charge_of("card_delayed_success")
        pending = await provider.charge(request)
        worker = worker_for(db, provider)
        assert await worker.handle_due_events() == 0  # not due yet
        clock.advance(timedelta(seconds=3))
        assert await worker.handle_due_events() >= 1
        [effect] = await effects(db)
        assert effect == {
            "eventId": f"evt_sbx_{request.payment_id.hex}_1",
            "type": "charge.succeeded",
            "object": pending.provider_ref,
        }
        [record] = await recorded_events(db)
        assert (record.provider, record.outcome, record.sequence) == ("sandbox", "processed", 1)
        # The sandbox settled: the same payment id now answers SUCCEEDED.
        assert (await provider.charge(request)).status == ChargeStatus.SUCCEEDED

    async def test_a_delayed_decline_arrives_by_webhook(
        self, db: Database, provider: SandboxProvider
    ) -> None:
        request = charge_of("card_delayed_decline")
        await provider.charge(request)
        clock.advance(timedelta(seconds=2))
        assert await worker_for(db, provider).handle_due_events() >= 1
        assert [e["type"] for e in await effects(db)] == ["charge.failed"]
        settled = await provider.charge(request)
        assert (settled.status, settled.failure_reason) == (ChargeStatus.DECLINED, "card declined")

    async def test_a_failing_payout_arrives_by_webhook(
        self, db: Database, provider: SandboxProvider
    ) -> None:
        request = PayoutRequest(uuid.uuid4(), uuid.uuid4(), 900, "EUR", "payout_fail")
        await provider.payout(request)
        clock.advance(timedelta(seconds=2))
        assert await worker_for(db, provider).handle_due_events() >= 1
        assert [e["type"] for e in await effects(db)] == ["payout.failed"]
        assert (await provider.payout(request)).status == PayoutStatus.FAILED

    async def test_a_redelivered_webhook_is_a_duplicate(
        self, db: Database, provider: SandboxProvider
    ) -> None:
        """At least once: the outbox may deliver twice; the handler acts once."""
        await provider.charge(charge_of("card_delayed_success"))
        clock.advance(timedelta(seconds=2))
        async with db.sessionmaker() as s:
            event = (
                await s.exec(select(OutboxEvent).where(OutboxEvent.topic == SANDBOX_WEBHOOK_TOPIC))
            ).one()
        delivery = SandboxWebhookDelivery(db, provider)
        await delivery(event)
        clock.advance(timedelta(seconds=30))
        await delivery(event)
        assert len(await effects(db)) == 1
        assert [r.outcome for r in await recorded_events(db)] == ["processed"]

    async def test_a_refused_delivery_is_retried_by_the_outbox(
        self, db: Database, provider: SandboxProvider
    ) -> None:
        calls: list[bytes] = []

        async def down(headers: object, body: bytes) -> None:
            calls.append(body)
            raise ProviderUnavailable()

        handlers = Handlers()
        handlers.on_lease(SANDBOX_WEBHOOK_TOPIC, SandboxWebhookDelivery(db, provider, down))
        await provider.charge(charge_of("card_delayed_success"))
        clock.advance(timedelta(seconds=2))
        assert await Worker(db, handlers).handle_due_events() == 1
        async with db.sessionmaker() as s:
            event = (
                await s.exec(select(OutboxEvent).where(OutboxEvent.topic == SANDBOX_WEBHOOK_TOPIC))
            ).one()
        assert (event.status, event.attempts, len(calls)) == (EventStatus.PENDING, 1, 1)
        assert await count(db, PaymentWebhookEvent) == 0
