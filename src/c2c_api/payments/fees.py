"""The fee schedule and an order's price breakdown: integers only, half-up rounding.

    FeeSchedule          basis points (1 bp = 0.01 %) and fixed parts; `from_settings`
    price_breakdown      item + shipping -> buyer protection, total, commission, seller's net,
                         platform and partner revenue

Rules (docs/payments-provider.md, "Fee schedule"):
- a percentage of an amount is `amount * bp / 10000` rounded half up (0.5 minor unit -> 1);
- a fixed part is written in hundredths of the currency's major unit (70 = 0.70) and turned
  into its minor units by its ISO 4217 exponent, half up: 70 cents in EUR, 1 yen in JPY
  (0.70 rounds up to 1);
- buyer protection = buyer_protection_bp of the item price (not the shipping) + its fixed part;
- seller commission = seller_commission_bp of the item price + its fixed part, never more than
  item + shipping (the seller's net is never negative);
- the partner's revenue (orders of its storefront) = partner_share_bp of the platform's gross
  (buyer protection + commission), rounded half up; the platform keeps the rest;
- total = item + shipping + buyer protection = seller_net + platform_revenue + partner_revenue.
"""

from __future__ import annotations

from dataclasses import dataclass

from c2c_api.config import Settings
from c2c_api.kit.money import CURRENCIES

BASIS_POINTS = 10_000
FIXED_SCALE_EXPONENT = 2  # fixed parts are written in hundredths of a major unit


def _half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


def percent_of(amount: int, bp: int) -> int:
    """`bp` basis points of `amount` minor units, rounded half up."""
    return _half_up_div(amount * bp, BASIS_POINTS)


def fixed_in(hundredths: int, currency: str) -> int:
    """A fixed part written in hundredths of a major unit, in `currency`'s minor units (half up)."""
    exponent = CURRENCIES[currency]
    if exponent >= FIXED_SCALE_EXPONENT:
        return hundredths * 10 ** (exponent - FIXED_SCALE_EXPONENT)
    return _half_up_div(hundredths, 10 ** (FIXED_SCALE_EXPONENT - exponent))


@dataclass(frozen=True)
class FeeSchedule:
    """What the platform charges (one per deployment now; per storefront later)."""

    buyer_protection_bp: int = 500  # 5 %
    buyer_protection_fixed: int = 70  # 0.70 in the order's currency
    seller_commission_bp: int = 0
    seller_commission_fixed: int = 0  # hundredths of a major unit, like buyer_protection_fixed
    partner_share_bp: int = 0  # the storefront partner's share of the platform's revenue

    def __post_init__(self) -> None:
        for name in ("buyer_protection_bp", "seller_commission_bp", "partner_share_bp"):
            value = getattr(self, name)
            if not 0 <= value <= BASIS_POINTS:
                raise ValueError(f"{name} must be within 0..{BASIS_POINTS}")
        if self.buyer_protection_fixed < 0 or self.seller_commission_fixed < 0:
            raise ValueError("fixed fees cannot be negative")

    @classmethod
    def from_settings(cls, settings: Settings) -> FeeSchedule:
        """The schedule of the `C2C_FEE_*` settings."""
        return cls(
            buyer_protection_bp=settings.fee_buyer_protection_bp,
            buyer_protection_fixed=settings.fee_buyer_protection_fixed,
            seller_commission_bp=settings.fee_seller_commission_bp,
            seller_commission_fixed=settings.fee_seller_commission_fixed,
            partner_share_bp=settings.fee_partner_share_bp,
        )


@dataclass(frozen=True)
class PriceBreakdown:
    """An order's money, in minor units of `currency`."""

    currency: str
    item: int
    shipping: int
    buyer_protection: int
    total: int  # what the buyer pays: item + shipping + buyer_protection
    seller_commission: int
    seller_net: int  # item + shipping - seller_commission
    platform_revenue: int  # buyer_protection + seller_commission - partner_revenue
    partner_revenue: int


def price_breakdown(
    schedule: FeeSchedule, *, item: int, shipping: int, currency: str, partner: bool
) -> PriceBreakdown:
    """The breakdown of an order of `item` + `shipping` (minor units of `currency`); `partner`
    when the order comes from a partner's storefront. ValueError for a negative amount or an
    unknown currency (callers validate input first)."""
    if currency not in CURRENCIES:
        raise ValueError(f"unsupported currency {currency!r}")
    if item < 0 or shipping < 0:
        raise ValueError("amounts cannot be negative")
    buyer_protection = percent_of(item, schedule.buyer_protection_bp) + fixed_in(
        schedule.buyer_protection_fixed, currency
    )
    seller_commission = min(
        percent_of(item, schedule.seller_commission_bp)
        + fixed_in(schedule.seller_commission_fixed, currency),
        item + shipping,
    )
    gross = buyer_protection + seller_commission
    partner_revenue = percent_of(gross, schedule.partner_share_bp) if partner else 0
    return PriceBreakdown(
        currency=currency,
        item=item,
        shipping=shipping,
        buyer_protection=buyer_protection,
        total=item + shipping + buyer_protection,
        seller_commission=seller_commission,
        seller_net=item + shipping - seller_commission,
        platform_revenue=gross - partner_revenue,
        partner_revenue=partner_revenue,
    )
