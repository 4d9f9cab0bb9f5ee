"""POST /v1/payments/webhooks/{provider}: verified, recorded once, applied in order, with the
handler's effects in the same transaction; a PostgreSQL race of five deliveries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette

from c2c_api.db import Database
from c2c_api.errors import InvalidState
from c2c_api.kit.clock import clock
from c2c_api.payments.models import PaymentWebhookEvent
from c2c_api.payments.providers import WebhookEvent
from c2c_api.payments.sandbox import SandboxProvider
from payments_provider_support import (
    count,
    effects,
    event_body,
    handlers_for_every_type,
    record_effect,
    recorded_events,
)

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
URL = "/v1/payments/webhooks/sandbox"


@pytest.fixture
def provider(app: Starlette) -> SandboxProvider:
    clock.freeze(T0)
    sandbox = app.state.payment_provider
    assert isinstance(sandbox, SandboxProvider)
    return sandbox


async def post(
    client: httpx.AsyncClient, provider: SandboxProvider, body: bytes, *, at: datetime = T0
) -> httpx.Response:
    return await client.post(URL, content=body, headers=provider.sign(body, at=at))


@pytest.mark.usefixtures("recording_handlers")
class TestReceiveWebhook:
    async def test_processes_a_signed_event(
        self, db: Database, client: httpx.AsyncClient, provider: SandboxProvider
    ) -> None:
        response = await post(client, provider, event_body(occurred_at=T0))
        assert response.status_code == 200
        assert response.json() == {"status": "processed", "eventId": "evt_1"}
        assert [e["eventId"] for e in await effects(db)] == ["evt_1"]
        [record] = await recorded_events(db)
        assert (record.type, record.object_ref, record.outcome) == (
            "charge.succeeded",
            "sbx_ch_test",
            "processed",
        )

    async def test_an_event_type_without_handler_is_ignored(
        self, db: Database, client: httpx.AsyncClient, provider: SandboxProvider
    ) -> None:
        body = event_body(type="charge.dispute.created", occurred_at=T0)
        assert (await post(client, provider, body)).json()["status"] == "ignored"
        assert await effects(db) == []
        assert [r.outcome for r in await recorded_events(db)] == ["ignored"]

    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"C2C-Signature": "t=1796126400"},
            {"C2C-Signature": "garbage"},
            {"C2C-Signature": f"t={int(T0.timestamp())},v1={'0' * 64}"},
        ],
    )
    async def test_refuses_a_forged_signature_and_records_nothing(
        self,
        db: Database,
        client: httpx.AsyncClient,
        provider: SandboxProvider,
        headers: dict[str, str],
    ) -> None:
        response = await client.post(URL, content=event_body(occurred_at=T0), headers=headers)
        assert response.status_code == 400
        assert response.json()["code"] == "WEBHOOK_SIGNATURE_INVALID"
        assert await count(db, PaymentWebhookEvent) == 0
        assert await effects(db) == []

    async def test_refuses_a_body_changed_after_signing(
        self, db: Database, client: httpx.AsyncClient, provider: SandboxProvider
    ) -> None:
        headers = provider.sign(event_body(occurred_at=T0), at=T0)
        forged = event_body(occurred_at=T0, data={"amount": 1})
        response = await client.post(URL, content=forged, headers=headers)
        assert response.json()["code"] == "WEBHOOK_SIGNATURE_INVALID"

    async def test_refuses_a_webhook_signed_too_long_ago(
        self, db: Database, client: httpx.AsyncClient, provider: SandboxProvider
    ) -> None:
        body = event_body(occurred_at=T0)
        fresh = await post(client, provider, body, at=T0 - timedelta(seconds=300))
        assert fresh.status_code == 200
        stale = await post(
            client,
            provider,
            event_body(event_id="evt_2", occurred_at=T0),
            at=T0 - timedelta(seconds=301),
        )
        assert (stale.status_code, stale.json()["code"]) == (400, "WEBHOOK_TOO_OLD")
        assert [r.event_id for r in await recorded_events(db)] == ["evt_1"]

    async def test_refuses_a_signed_body_that_is_no_event(
        self, db: Database, client: httpx.AsyncClient, provider: SandboxProvider
    ) -> None:
        response = await post(client, provider, b'{"id": "evt_1"}')
        assert (response.status_code, response.json()["code"]) == (400, "WEBHOOK_MALFORMED")
        assert await count(db, PaymentWebhookEvent) == 0

    async def test_a_replayed_event_is_a_duplicate_and_runs_the_handler_once(
        self, db: Database, client: httpx.AsyncClient, provider: SandboxProvider
    ) -> None:
        body = event_body(occurred_at=T0)
        first = await post(client, provider, body)
        replay = await post(client, provider, body, at=T0 + timedelta(seconds=60))
        assert first.json()["status"] == "processed"
        assert replay.status_code == 200
        assert replay.json() == {"status": "duplicate", "eventId": "evt_1"}
        assert len(await effects(db)) == 1

    async def test_an_event_older_than_the_last_processed_is_stale(
        self, db: Database, client: httpx.AsyncClient, provider: SandboxProvider
    ) -> None:
        later = event_body(event_id="evt_2", sequence=2, type="charge.failed", occurred_at=T0)
        earlier = event_body(event_id="evt_1", sequence=1, occurred_at=T0)
        other_object = event_body(event_id="evt_3", object_ref="sbx_ch_other", occurred_at=T0)
        assert (await post(client, provider, later)).json()["status"] == "processed"
        assert (await post(client, provider, earlier)).json()["status"] == "stale"
        assert (await post(client, provider, other_object)).json()["status"] == "processed"
        assert [e["eventId"] for e in await effects(db)] == ["evt_2", "evt_3"]
        outcomes = {r.event_id: r.outcome for r in await recorded_events(db)}
        assert outcomes == {"evt_1": "stale", "evt_2": "processed", "evt_3": "processed"}

    async def test_unknown_provider_is_404(
        self, db: Database, client: httpx.AsyncClient, provider: SandboxProvider
    ) -> None:
        body = event_body(occurred_at=T0)
        response = await client.post(
            "/v1/payments/webhooks/stripe", content=body, headers=provider.sign(body, at=T0)
        )
        assert (response.status_code, response.json()["code"]) == (404, "UNKNOWN_PAYMENT_PROVIDER")

    async def test_a_body_over_64_kib_is_413(
        self, db: Database, client: httpx.AsyncClient, provider: SandboxProvider
    ) -> None:
        body = event_body(occurred_at=T0, data={"pad": "x" * (64 * 1024)})
        response = await post(client, provider, body)
        assert (response.status_code, response.json()["code"]) == (413, "REQUEST_TOO_LARGE")
        assert await count(db, PaymentWebhookEvent) == 0


class TestFailingHandler:
    async def test_a_domain_error_rolls_back_the_record_and_a_retry_processes_it(
        self, db: Database, client: httpx.AsyncClient, provider: SandboxProvider
    ) -> None:
        failures = [InvalidState("The order is being changed; retry.")]

        async def flaky(session: AsyncSession, event: WebhookEvent) -> str:
            await record_effect(session, event)  # written, then rolled back with the record
            if failures:
                raise failures.pop()
            return "paid"

        with handlers_for_every_type(flaky, types=["charge.succeeded"]):
            body = event_body(occurred_at=T0)
            failed = await post(client, provider, body)
            assert (failed.status_code, failed.json()["code"]) == (409, "INVALID_STATE")
            assert await count(db, PaymentWebhookEvent) == 0
            assert await effects(db) == []
            retried = await post(client, provider, body, at=T0 + timedelta(seconds=30))
            assert retried.json() == {"status": "paid", "eventId": "evt_1"}
            assert len(await effects(db)) == 1


class TestParallelDeliveries:
    async def test_five_parallel_deliveries_of_one_event_apply_once(
        self, db: Database, client: httpx.AsyncClient, provider: SandboxProvider
    ) -> None:
        if db.settings.is_sqlite:
            pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): the race is PostgreSQL's")
        inside = asyncio.Event()
        release = asyncio.Event()
        calls = 0

        async def held(session: AsyncSession, event: WebhookEvent) -> str:
            nonlocal calls
            calls += 1
            outcome = await record_effect(session, event)
            if calls == 1:
                inside.set()
                await release.wait()  # the first delivery holds its transaction open here
            return outcome

        async def others_waiting() -> int:
            async with db.engine.connect() as conn:
                return int(
                    (
                        await conn.execute(
                            sa.text(
                                "SELECT count(*) FROM pg_stat_activity"
                                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                            )
                        )
                    ).scalar_one()
                )

        body = event_body(occurred_at=T0)
        with handlers_for_every_type(held):
            first = asyncio.ensure_future(post(client, provider, body))
            await inside.wait()
            rest = [asyncio.ensure_future(post(client, provider, body)) for _ in range(4)]
            # Let the four others reach the unique key of the event, where they wait for us.
            for _ in range(500):
                if await others_waiting() >= 4:
                    break
                await asyncio.sleep(0.01)
            release.set()
            responses = await asyncio.gather(first, *rest)
        assert [r.status_code for r in responses] == [200] * 5
        statuses = sorted(r.json()["status"] for r in responses)
        assert statuses == ["duplicate"] * 4 + ["processed"]
        assert calls == 1
        assert len(await effects(db)) == 1
        assert await count(db, PaymentWebhookEvent) == 1
