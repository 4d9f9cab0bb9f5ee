"""Account names (Formance style: segments joined by ":") and what they say.

    members:<member id>:funds       MEMBER_FUNDS
    members:<member id>:available   MEMBER_AVAILABLE
    orders:<order id>:escrow        ESCROW
    platform:revenue                PLATFORM_REVENUE
    partners:<partner id>:revenue   PARTNER_REVENUE
    providers:<name>:clearing       PROVIDER_CLEARING (the only kind that may go negative)
    payouts:in_transit              PAYOUTS_IN_TRANSIT

A name that fits none of these is a programming error (ValueError), never user input.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from c2c_api.ledger.models import AccountKind

PLATFORM_REVENUE = "platform:revenue"
PAYOUTS_IN_TRANSIT = "payouts:in_transit"
_PROVIDER = re.compile(r"[a-z0-9_-]{1,64}")


def member_funds(member_id: uuid.UUID) -> str:
    return f"members:{member_id}:funds"


def member_available(member_id: uuid.UUID) -> str:
    return f"members:{member_id}:available"


def order_escrow(order_id: uuid.UUID) -> str:
    return f"orders:{order_id}:escrow"


def partner_revenue(partner_id: uuid.UUID) -> str:
    return f"partners:{partner_id}:revenue"


def provider_clearing(provider_name: str) -> str:
    if not _PROVIDER.fullmatch(provider_name):
        raise ValueError(f"not a provider name: {provider_name!r}")
    return f"providers:{provider_name}:clearing"


@dataclass(frozen=True)
class AccountInfo:
    """What an account's name says about it."""

    kind: AccountKind
    member_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    partner_id: uuid.UUID | None = None

    @property
    def may_go_negative(self) -> bool:
        return self.kind == AccountKind.PROVIDER_CLEARING


_BY_SEGMENTS = {
    ("members", "funds"): AccountKind.MEMBER_FUNDS,
    ("members", "available"): AccountKind.MEMBER_AVAILABLE,
    ("orders", "escrow"): AccountKind.ESCROW,
    ("partners", "revenue"): AccountKind.PARTNER_REVENUE,
}


def _uuid(text: str, name: str) -> uuid.UUID:
    try:
        parsed = uuid.UUID(text)
    except ValueError:
        raise ValueError(f"not a ledger account name: {name!r}") from None
    if str(parsed) != text:  # one spelling per account
        raise ValueError(f"not a ledger account name: {name!r}")
    return parsed


def parse_account(name: str) -> AccountInfo:
    """The kind (and member, order or partner) of a named account; ValueError if unknown."""
    if name == PLATFORM_REVENUE:
        return AccountInfo(AccountKind.PLATFORM_REVENUE)
    if name == PAYOUTS_IN_TRANSIT:
        return AccountInfo(AccountKind.PAYOUTS_IN_TRANSIT)
    parts = name.split(":")
    if len(parts) == 3:
        head, middle, tail = parts
        if head == "providers" and tail == "clearing" and _PROVIDER.fullmatch(middle):
            return AccountInfo(AccountKind.PROVIDER_CLEARING)
        kind = _BY_SEGMENTS.get((head, tail))
        if kind is not None:
            ident = _uuid(middle, name)
            if head == "members":
                return AccountInfo(kind, member_id=ident)
            if head == "orders":
                return AccountInfo(kind, order_id=ident)
            return AccountInfo(kind, partner_id=ident)
    raise ValueError(f"not a ledger account name: {name!r}")
