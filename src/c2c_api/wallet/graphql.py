"""GraphQL types and entry points of a member's money: balances, ledger entries, payouts."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from c2c_api.graphql.amounts import AmountType, MinorUnits, amount
from c2c_api.graphql.errors import UserError, payload_of_use_case
from c2c_api.graphql.idempotency import idempotent_work
from c2c_api.graphql.loaders import parse_node_ids
from c2c_api.graphql.permissions import requires
from c2c_api.graphql.relay import connection, decode_cursor
from c2c_api.idempotency.service import Claim
from c2c_api.ledger.models import LedgerEntry
from c2c_api.orders.payments import provider_for
from c2c_api.wallet import service
from c2c_api.wallet.models import Payout, PayoutStatus

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context

PayoutStatusEnum = strawberry.enum(PayoutStatus, name="PayoutStatus")
ENTRIES_SCOPE = "Query.myLedgerEntries"
PAYOUTS_SCOPE = "Query.myPayouts"


@strawberry.type(description="The caller's money in one currency.")
class Balance:
    currency: str
    available: AmountType = strawberry.field(description="May be paid out now.")
    pending_payouts: AmountType = strawberry.field(description="On its way to your bank.")
    incoming: AmountType = strawberry.field(
        description="Your net in the escrow of your open sales, released at completion."
    )
    refunds_due: AmountType = strawberry.field(
        description="Refunds on their way back to your payment method."
    )


@strawberry.type(
    name="LedgerEntry",
    description="One line of your account: money in (positive) or out (negative).",
)
class LedgerEntryType(relay.Node):
    id: relay.NodeID[uuid.UUID]
    account: str = strawberry.field(description="funds (refunds due) or available (proceeds).")
    amount: AmountType
    kind: str = strawberry.field(description="e.g. escrow.released, payout.sent, refund.sent.")
    at: datetime

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> Iterable[LedgerEntryType | None]:
        ctx: Context = info.context
        ids = parse_node_ids(node_ids)
        found = await service.get_ledger_entries(ctx.session, ctx.actor, [i for i in ids if i])
        kinds = await service.transaction_kinds(
            ctx.session, [e.transaction_id for e in found.values()]
        )
        return [_entry(found[i], kinds) if i in found else None for i in ids]


@strawberry.type(name="Payout", description="Money sent from your available balance.")
class PayoutType(relay.Node):
    id: relay.NodeID[uuid.UUID]
    amount: AmountType
    status: PayoutStatusEnum  # type: ignore[valid-type]
    destination: str
    created_at: datetime
    paid_at: datetime | None
    failure_reason: str | None

    @classmethod
    def from_model(cls, p: Payout) -> PayoutType:
        return cls(
            id=p.id,
            amount=amount(p.amount, p.currency),
            status=p.status,
            destination=p.destination,
            created_at=p.created_at,
            paid_at=p.paid_at,
            failure_reason=p.failure_reason,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> Iterable[PayoutType | None]:
        ctx: Context = info.context
        ids = parse_node_ids(node_ids)
        found = await service.get_payouts(ctx.session, ctx.actor, [i for i in ids if i])
        return [cls.from_model(found[i]) if i in found else None for i in ids]


def _entry(e: LedgerEntry, kinds: dict[uuid.UUID, str]) -> LedgerEntryType:
    return LedgerEntryType(
        id=e.id,
        account=e.account.rsplit(":", 1)[-1],
        amount=amount(e.amount, e.currency),
        kind=kinds.get(e.transaction_id, ""),
        at=e.created_at,
    )


@strawberry.type(description="Your payout was requested.")
class RequestPayoutSuccess:
    payout: PayoutType


RequestPayoutPayload = Annotated[
    RequestPayoutSuccess | UserError, strawberry.union("RequestPayoutPayload")
]


@strawberry.type
class WalletQuery:
    @strawberry.field(
        description="Your balances, one per currency you dealt in.",
        extensions=[requires("orders:write")],
    )
    async def my_balances(self, info: Info) -> list[Balance] | None:
        ctx: Context = info.context
        return [
            Balance(
                currency=b.currency,
                available=amount(b.available, b.currency),
                pending_payouts=amount(b.pending_payouts, b.currency),
                incoming=amount(b.incoming, b.currency),
                refunds_due=amount(b.refunds_due, b.currency),
            )
            for b in await service.balances(ctx.session, ctx.actor)
        ]

    @strawberry.field(
        description="The entries of your accounts, newest first.",
        extensions=[requires("orders:write")],
    )
    async def my_ledger_entries(
        self, info: Info, currency: str | None = None, first: int = 20, after: str | None = None
    ) -> relay.Connection[LedgerEntryType] | None:
        ctx: Context = info.context
        page = await service.ledger_entries(
            ctx.session,
            ctx.actor,
            currency=currency,
            limit=first,
            after=decode_cursor(info, ENTRIES_SCOPE, after),
        )
        kinds = await service.transaction_kinds(ctx.session, [e.transaction_id for e in page.items])
        return connection(
            info,
            page,
            scope=ENTRIES_SCOPE,
            node=lambda e: _entry(e, kinds),
            key=lambda e: (e.created_at, e.id),
            after=after,
        )

    @strawberry.field(
        description="Your payouts, newest first.", extensions=[requires("orders:write")]
    )
    async def my_payouts(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> relay.Connection[PayoutType] | None:
        ctx: Context = info.context
        page = await service.payouts_of_member(
            ctx.session, ctx.actor, limit=first, after=decode_cursor(info, PAYOUTS_SCOPE, after)
        )
        return connection(
            info,
            page,
            scope=PAYOUTS_SCOPE,
            node=PayoutType.from_model,
            key=lambda p: (p.created_at, p.id),
            after=after,
        )


@strawberry.type
class WalletMutation:
    @strawberry.mutation(
        description=(
            "Send part or all of your available balance to your bank account (`destination`: "
            "the provider's id of it; the sandbox pays any, 'payout_fail' fails and "
            "'payout_delayed' confirms later). INSUFFICIENT_FUNDS beyond the available balance."
        ),
        extensions=[requires("orders:write")],
    )
    @payload_of_use_case
    async def request_payout(
        self,
        info: Info,
        amount: MinorUnits,
        currency: str,
        destination: str,
        idempotency_key: str,
    ) -> RequestPayoutPayload | None:
        ctx: Context = info.context
        provider = provider_for(ctx.db, ctx.settings)

        async def work(held: Claim) -> dict[str, Any]:
            return await service.request_payout(
                ctx.db,
                ctx.actor,
                provider,
                amount=int(amount),
                currency=currency,
                destination=destination,
                transaction=held.transaction,
                finish=held.complete,
            )

        value = await idempotent_work(
            info,
            operation="requestPayout",
            key=idempotency_key,
            arguments={"amount": int(amount), "currency": currency, "destination": destination},
            work=work,
        )
        found = await service.get_payouts(ctx.session, ctx.actor, [uuid.UUID(value["payoutId"])])
        return RequestPayoutSuccess(
            payout=PayoutType.from_model(found[uuid.UUID(value["payoutId"])])
        )
