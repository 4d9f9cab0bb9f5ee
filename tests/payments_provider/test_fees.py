"""The fee schedule: a table of cases (1-cent items, JPY, 10^9, partners) and, for any order,
total == seller_net + platform_revenue + partner_revenue."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from c2c_api.config import Settings
from c2c_api.kit.money import CURRENCIES, MAX_AMOUNT
from c2c_api.payments.fees import FeeSchedule, PriceBreakdown, fixed_in, price_breakdown

DEFAULT = FeeSchedule()


class TestFixedPart:
    @pytest.mark.parametrize(
        ("hundredths", "currency", "minor"),
        [(70, "EUR", 70), (70, "JPY", 1), (49, "JPY", 0), (50, "JPY", 1), (150, "JPY", 2)],
    )
    def test_rounds_half_up_to_the_currency(
        self, hundredths: int, currency: str, minor: int
    ) -> None:
        assert fixed_in(hundredths, currency) == minor


class TestPriceBreakdown:
    @pytest.mark.parametrize(
        ("schedule", "item", "shipping", "currency", "partner", "expected"),
        [
            # 5 % of 10.00 = 0.50, + 0.70 = 1.20
            (DEFAULT, 1_000, 300, "EUR", False, (120, 1_420, 0, 1_300, 120, 0)),
            # 5 % of 0.01 = 0.0005 -> 0; the buyer pays 0.70 of protection on a 1-cent item
            (DEFAULT, 1, 0, "EUR", False, (70, 71, 0, 1, 70, 0)),
            # 5 % of 0.10 = 0.005 -> 0.01 (half up)
            (DEFAULT, 10, 0, "EUR", False, (71, 81, 0, 10, 71, 0)),
            # JPY: 5 % of 1000 = 50, + 0.70 -> 1 yen
            (DEFAULT, 1_000, 0, "JPY", False, (51, 1_051, 0, 1_000, 51, 0)),
            # 10^9 minor units: 5 % = 5 * 10^7
            (
                DEFAULT,
                MAX_AMOUNT,
                0,
                "EUR",
                False,
                (50_000_070, 1_050_000_070, 0, MAX_AMOUNT, 50_000_070, 0),
            ),
            # a seller commission of 10 % + 0.30, and a partner taking 20 % of the revenue
            (
                FeeSchedule(
                    seller_commission_bp=1_000, seller_commission_fixed=30, partner_share_bp=2_000
                ),
                2_000,
                500,
                "EUR",
                True,
                # protection 170; commission 230; gross 400; partner 80; platform 320
                (170, 2_670, 230, 2_270, 320, 80),
            ),
            # ... the same order outside a storefront: no partner revenue
            (
                FeeSchedule(
                    seller_commission_bp=1_000, seller_commission_fixed=30, partner_share_bp=2_000
                ),
                2_000,
                500,
                "EUR",
                False,
                (170, 2_670, 230, 2_270, 400, 0),
            ),
            # a commission bigger than the order is capped: the seller's net is never negative
            (
                FeeSchedule(seller_commission_fixed=500),
                100,
                0,
                "EUR",
                False,
                (75, 175, 100, 0, 175, 0),
            ),
        ],
    )
    def test_cases(
        self,
        schedule: FeeSchedule,
        item: int,
        shipping: int,
        currency: str,
        partner: bool,
        expected: tuple[int, int, int, int, int, int],
    ) -> None:
        b = price_breakdown(
            schedule, item=item, shipping=shipping, currency=currency, partner=partner
        )
        assert (
            b.buyer_protection,
            b.total,
            b.seller_commission,
            b.seller_net,
            b.platform_revenue,
            b.partner_revenue,
        ) == expected
        assert (b.currency, b.item, b.shipping) == (currency, item, shipping)

    def test_refuses_negative_amounts_and_unknown_currencies(self) -> None:
        with pytest.raises(ValueError, match="negative"):
            price_breakdown(DEFAULT, item=-1, shipping=0, currency="EUR", partner=False)
        with pytest.raises(ValueError, match="currency"):
            price_breakdown(DEFAULT, item=1, shipping=0, currency="XXX", partner=False)

    def test_the_schedule_comes_from_settings(self) -> None:
        settings = Settings(fee_buyer_protection_bp=300, fee_partner_share_bp=1_500)
        schedule = FeeSchedule.from_settings(settings)
        assert schedule == FeeSchedule(buyer_protection_bp=300, partner_share_bp=1_500)

    @given(
        schedule=st.builds(
            FeeSchedule,
            buyer_protection_bp=st.integers(0, 10_000),
            buyer_protection_fixed=st.integers(0, 100_000),
            seller_commission_bp=st.integers(0, 10_000),
            seller_commission_fixed=st.integers(0, 100_000),
            partner_share_bp=st.integers(0, 10_000),
        ),
        item=st.integers(0, MAX_AMOUNT),
        shipping=st.integers(0, MAX_AMOUNT),
        currency=st.sampled_from(sorted(CURRENCIES)),
        partner=st.booleans(),
    )
    def test_every_minor_unit_is_accounted_for(
        self, schedule: FeeSchedule, item: int, shipping: int, currency: str, partner: bool
    ) -> None:
        b: PriceBreakdown = price_breakdown(
            schedule, item=item, shipping=shipping, currency=currency, partner=partner
        )
        assert b.total == b.item + b.shipping + b.buyer_protection
        assert b.total == b.seller_net + b.platform_revenue + b.partner_revenue
        assert min(b.seller_net, b.platform_revenue, b.partner_revenue, b.seller_commission) >= 0
        assert partner or b.partner_revenue == 0
