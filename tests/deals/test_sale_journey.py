"""A SALE from buy-now to payout, through the services, on both databases; every deadline
fired by the application's worker from the injected clock. The ledger check runs after each
test (conftest)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from c2c_api.db import Database
from c2c_api.errors import DomainError
from c2c_api.kit.clock import clock
from c2c_api.ledger.service import (
    PLATFORM_REVENUE,
    balance,
    member_available,
    member_funds,
    order_escrow,
    partner_revenue,
)
from c2c_api.listings.models import ListingStatus
from c2c_api.orders import payments
from c2c_api.orders import service as orders
from c2c_api.orders.models import Handover, OrderPayment, OrderRefund, RefundStatus
from c2c_api.payments.fees import FeeSchedule
from c2c_api.payments.providers import RefundRequest
from c2c_api.wallet import service as wallet
from c2c_api.wallet.models import PayoutStatus
from deals_support import act, buy, listing, member, pay, reload, reload_listing
from factories import create_partner, operator_actor
from worker_support import app_worker, drain

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def ledger_balance(db: Database, account: str) -> int:
    async with db.sessionmaker() as session:
        return await balance(session, account=account, currency="EUR")


async def codes(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as caught:
        await call
    return caught.value.code.value


class TestBuyAndPay:
    async def test_buy_reserves_the_stock_and_starts_the_payment_clock(self, db: Database) -> None:
        clock.freeze(T0)
        seller, _ = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller)
        order = await buy(db, buyer, item)
        assert order.state == "AWAITING_PAYMENT"
        # 10.00 item + 3.00 shipping + buyer protection 5 % of 10.00 + 0.70
        assert (order.item_amount, order.shipping_amount, order.buyer_protection) == (
            1000,
            300,
            120,
        )
        assert (order.total, order.seller_net, order.platform_revenue) == (1420, 1300, 120)
        stock = await reload_listing(db, item)
        assert (stock.reserved_quantity, stock.status) == (1, ListingStatus.RESERVED)
        async with db.sessionmaker() as session:
            deadlines = (await orders.order_deadlines(session, [order.id]))[order.id]
        assert [(t.action, t.due_at) for t in deadlines] == [
            ("order.payment_deadline", T0 + timedelta(minutes=30))
        ]

    async def test_the_last_item_cannot_be_bought_twice(self, db: Database) -> None:
        seller, _ = await member(db)
        _, first = await member(db)
        _, second = await member(db)
        item = await listing(db, seller)
        await buy(db, first, item)
        assert await codes(buy(db, second, item)) == "OUT_OF_STOCK"

    async def test_buying_more_than_the_stock_is_refused(self, db: Database) -> None:
        seller, _ = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller, quantity=3)
        assert await codes(buy(db, buyer, item, quantity=4)) == "OUT_OF_STOCK"
        assert await codes(buy(db, buyer, item, quantity=0)) == "OUT_OF_STOCK"
        order = await buy(db, buyer, item, quantity=3)
        assert order.quantity == 3

    async def test_buying_ones_own_listing_is_refused(self, db: Database) -> None:
        seller, as_seller = await member(db)
        item = await listing(db, seller)
        assert await codes(buy(db, as_seller, item)) == "PURCHASE_OF_OWN_LISTING"

    async def test_payment_holds_the_total_in_escrow(self, db: Database) -> None:
        seller, _ = await member(db)
        _, buyer = await member(db)
        order = await buy(db, buyer, await listing(db, seller))
        await pay(db, buyer, order)
        order = await reload(db, order)
        assert order.state == "PAID"
        assert await ledger_balance(db, order_escrow(order.id)) == order.total

    async def test_a_declined_card_charges_nothing_and_the_order_still_awaits(
        self, db: Database
    ) -> None:
        seller, _ = await member(db)
        _, buyer = await member(db)
        order = await buy(db, buyer, await listing(db, seller))
        assert await codes(pay(db, buyer, order, "card_decline")) == "PAYMENT_DECLINED"
        assert await codes(pay(db, buyer, order, "card_insufficient_funds")) == (
            "CARD_INSUFFICIENT_FUNDS"
        )
        assert (await reload(db, order)).state == "AWAITING_PAYMENT"
        assert await ledger_balance(db, order_escrow(order.id)) == 0
        await pay(db, buyer, order)
        assert (await reload(db, order)).state == "PAID"

    async def test_paying_twice_or_someone_elses_order_is_refused(self, db: Database) -> None:
        seller, as_seller = await member(db)
        _, buyer = await member(db)
        _, stranger = await member(db)
        order = await buy(db, buyer, await listing(db, seller))
        assert await codes(pay(db, buyer=stranger, order=order)) == "ORDER_NOT_FOUND"
        assert await codes(pay(db, as_seller, order)) == "NOT_THE_BUYER"
        await pay(db, buyer, order)
        assert await codes(pay(db, buyer, order)) == "ORDER_NOT_PAYABLE"
        assert await ledger_balance(db, order_escrow(order.id)) == order.total

    async def test_a_delayed_confirmation_arrives_by_webhook(self, db: Database) -> None:
        clock.freeze(T0)
        seller, _ = await member(db)
        _, buyer = await member(db)
        order = await buy(db, buyer, await listing(db, seller))
        await pay(db, buyer, order, "card_delayed_success")
        assert (await reload(db, order)).state == "PAYMENT_PENDING"
        assert await ledger_balance(db, order_escrow(order.id)) == 0
        clock.freeze(T0 + timedelta(seconds=5))
        await drain(app_worker(db))
        assert (await reload(db, order)).state == "PAID"
        assert await ledger_balance(db, order_escrow(order.id)) == order.total

    async def test_a_delayed_decline_lets_the_buyer_pay_again(self, db: Database) -> None:
        clock.freeze(T0)
        seller, _ = await member(db)
        _, buyer = await member(db)
        order = await buy(db, buyer, await listing(db, seller))
        await pay(db, buyer, order, "card_delayed_decline")
        clock.freeze(T0 + timedelta(seconds=5))
        await drain(app_worker(db))
        assert (await reload(db, order)).state == "AWAITING_PAYMENT"
        await pay(db, buyer, order)
        assert (await reload(db, order)).state == "PAID"


class TestDeadlines:
    async def test_an_unpaid_order_is_cancelled_and_the_stock_released(self, db: Database) -> None:
        clock.freeze(T0)
        seller, _ = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller)
        order = await buy(db, buyer, item)
        worker = app_worker(db)
        clock.freeze(T0 + timedelta(minutes=29))
        await drain(worker)
        assert (await reload(db, order)).state == "AWAITING_PAYMENT"
        clock.freeze(T0 + timedelta(minutes=30))
        await drain(worker)
        assert (await reload(db, order)).state == "CANCELLED"
        stock = await reload_listing(db, item)
        assert (stock.reserved_quantity, stock.status) == (0, ListingStatus.PUBLISHED)

    async def test_shipping_completes_by_timers_and_releases_to_the_seller(
        self, db: Database
    ) -> None:
        clock.freeze(T0)
        seller, as_seller = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller)
        order = await buy(db, buyer, item)
        await pay(db, buyer, order)
        await act(db, as_seller, order, "ship", carrier="Colissimo", trackingNumber="6A123")
        worker = app_worker(db)
        clock.freeze(T0 + timedelta(days=14, minutes=1))
        await drain(worker)
        assert (await reload(db, order)).state == "DELIVERED"
        clock.freeze(T0 + timedelta(days=16, minutes=2))
        await drain(worker)
        order = await reload(db, order)
        assert order.state == "COMPLETED"
        assert await ledger_balance(db, member_available(seller.id)) == order.seller_net
        assert await ledger_balance(db, order_escrow(order.id)) == 0
        stock = await reload_listing(db, item)
        assert (stock.sold_quantity, stock.status) == (1, ListingStatus.SOLD)

    async def test_a_seller_who_never_ships_refunds_the_buyer(self, db: Database) -> None:
        clock.freeze(T0)
        seller, _ = await member(db)
        buyer_row, buyer = await member(db)
        order = await buy(db, buyer, await listing(db, seller))
        await pay(db, buyer, order)
        clock.freeze(T0 + timedelta(days=5, minutes=1))
        await drain(app_worker(db))
        assert (await reload(db, order)).state == "REFUNDED"
        assert await ledger_balance(db, order_escrow(order.id)) == 0
        # the refund went back to the card: nothing is left in the buyer's funds
        assert await ledger_balance(db, member_funds(buyer_row.id)) == 0


class TestHandover:
    async def test_buyer_confirms_then_accepts_and_the_seller_is_paid_out(
        self, db: Database
    ) -> None:
        seller, as_seller = await member(db)
        _, buyer = await member(db)
        order = await buy(db, buyer, await listing(db, seller))
        await pay(db, buyer, order)
        await act(db, as_seller, order, "ship", carrier="La Poste", trackingNumber="X1")
        await act(db, buyer, order, "confirm_receipt")
        order = await act(db, buyer, order, "accept_item")
        assert order.state == "COMPLETED"
        provider = payments.provider_for(db, db.settings)
        await wallet.request_payout(
            db, as_seller, provider, amount=order.seller_net, currency="EUR", destination="iban1"
        )
        assert await ledger_balance(db, member_available(seller.id)) == 0
        async with db.sessionmaker() as session:
            page = await wallet.payouts_of_member(session, as_seller, limit=5, after=None)
        assert [p.status for p in page.items] == [PayoutStatus.PAID]
        assert (
            await codes(
                wallet.request_payout(
                    db, as_seller, provider, amount=1, currency="EUR", destination="iban1"
                )
            )
            == "INSUFFICIENT_FUNDS"
        )

    async def test_meetup_completes_with_the_buyers_code_and_wrong_codes_are_limited(
        self, db: Database
    ) -> None:
        clock.freeze(T0)
        seller, as_seller = await member(db)
        _, buyer = await member(db)
        order = await buy(db, buyer, await listing(db, seller), handover=Handover.MEETUP)
        await pay(db, buyer, order)
        order = await act(
            db,
            as_seller,
            order,
            "arrange_meetup",
            meetupPlace="Gare de Lyon",
            meetupAt=T0 + timedelta(days=1),
        )
        assert order.handover_code is not None and len(order.handover_code) == 6
        wrong = "000000" if order.handover_code != "000000" else "111111"

        async def attempt(code: str) -> str:
            async with db.transaction() as session:
                await orders.count_handover_attempt(
                    session, as_seller, order_id=order.id, code=code
                )
            return await codes(act(db, as_seller, order, "confirm_handover", handoverCode=code))

        assert await attempt(wrong) == "HANDOVER_CODE_INVALID"
        assert await codes(act(db, buyer, order, "confirm_handover", handoverCode=wrong)) == (
            "TRANSITION_NOT_ALLOWED"
        )
        done = await act(db, as_seller, order, "confirm_handover", handoverCode=order.handover_code)
        assert done.state == "COMPLETED"

    async def test_five_wrong_codes_lock_the_handover(self, db: Database) -> None:
        clock.freeze(T0)
        seller, as_seller = await member(db)
        _, buyer = await member(db)
        order = await buy(db, buyer, await listing(db, seller), handover=Handover.MEETUP)
        await pay(db, buyer, order)
        order = await act(
            db,
            as_seller,
            order,
            "arrange_meetup",
            meetupPlace="Here",
            meetupAt=T0 + timedelta(hours=3),
        )
        wrong = "000000" if order.handover_code != "000000" else "111111"
        for _ in range(5):
            async with db.transaction() as session:
                await orders.count_handover_attempt(
                    session, as_seller, order_id=order.id, code=wrong
                )
        assert (
            await codes(
                act(db, as_seller, order, "confirm_handover", handoverCode=order.handover_code)
            )
            == "HANDOVER_CODE_LOCKED"
        )

    async def test_a_reported_problem_holds_the_escrow_until_an_operator_decides(
        self, db: Database
    ) -> None:
        seller, as_seller = await member(db)
        buyer_row, buyer = await member(db)
        staff, _ = await member(db, is_operator=True)
        order = await buy(db, buyer, await listing(db, seller))
        await pay(db, buyer, order)
        await act(db, as_seller, order, "ship", carrier="UPS", trackingNumber="1Z")
        order = await act(db, buyer, order, "report_problem", reason="It arrived broken")
        assert order.state == "DISPUTED"
        assert await ledger_balance(db, order_escrow(order.id)) == order.total
        assert await codes(act(db, buyer, order, "accept_item")) == "TRANSITION_NOT_AVAILABLE"
        operator = operator_actor(staff)
        order = await act(db, operator, order, "resolve_refund")
        assert order.state == "REFUNDED"
        await drain(app_worker(db))
        assert await ledger_balance(db, member_funds(buyer_row.id)) == 0

    async def test_transitions_check_state_caller_and_inputs(self, db: Database) -> None:
        seller, as_seller = await member(db)
        _, buyer = await member(db)
        _, stranger = await member(db)
        order = await buy(db, buyer, await listing(db, seller))
        assert await codes(act(db, as_seller, order, "ship", carrier="A", trackingNumber="B")) == (
            "TRANSITION_NOT_AVAILABLE"
        )
        await pay(db, buyer, order)
        assert await codes(act(db, buyer, order, "ship", carrier="A", trackingNumber="B")) == (
            "TRANSITION_NOT_ALLOWED"
        )
        assert await codes(act(db, stranger, order, "ship", carrier="A", trackingNumber="B")) == (
            "ORDER_NOT_FOUND"
        )
        assert await codes(act(db, as_seller, order, "ship", carrier="A")) == (
            "TRANSITION_INPUT_INVALID"
        )
        assert (await reload(db, order)).state == "PAID"


class TestPartnerShare:
    async def test_a_storefront_order_posts_the_partners_share_at_completion(
        self, db: Database
    ) -> None:
        async with db.transaction() as session:
            partner = await create_partner(session)
        seller, as_seller = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller, partner_id=partner.id)
        async with db.transaction() as session:
            order = await orders.create_order(
                session,
                buyer,
                listing_id=item.id,
                quantity=1,
                handover=Handover.SHIPPING,
                fees=FeeSchedule(partner_share_bp=2000),
            )
        # buyer protection 5 % of 10.00 + 0.70 = 1.20; the partner's 20 % of it = 0.24
        assert (order.partner_revenue, order.platform_revenue) == (24, 96)
        await pay(db, buyer, order)
        await act(db, as_seller, order, "ship", carrier="A", trackingNumber="B")
        await act(db, buyer, order, "accept_item")
        assert await ledger_balance(db, partner_revenue(partner.id)) == 24
        assert await ledger_balance(db, PLATFORM_REVENUE) == 96


class TestRefundDelivery:
    async def test_a_refund_the_provider_refuses_is_not_booked_as_sent(self, db: Database) -> None:
        clock.freeze(T0)
        seller, as_seller = await member(db)
        buyer_row, buyer = await member(db)
        order = await buy(db, buyer, await listing(db, seller))
        await pay(db, buyer, order)
        await act(db, as_seller, order, "cancel_and_refund")
        # The charge is refunded elsewhere first, so the provider refuses ours.
        async with db.sessionmaker() as session:
            payment = (
                await session.exec(select(OrderPayment).where(OrderPayment.order_id == order.id))
            ).one()
        provider = payments.provider_for(db, db.settings)
        assert payment.provider_ref is not None
        await provider.refund(
            RefundRequest(
                refund_id=uuid.uuid4(),
                provider_ref=payment.provider_ref,
                amount=order.total,
                currency="EUR",
            )
        )
        await drain(app_worker(db))
        async with db.sessionmaker() as session:
            refund = (
                await session.exec(select(OrderRefund).where(OrderRefund.order_id == order.id))
            ).one()
        assert refund.status == RefundStatus.PENDING
        # Still owed to the buyer: nothing was booked as sent back to the card.
        assert await ledger_balance(db, member_funds(buyer_row.id)) == order.total
