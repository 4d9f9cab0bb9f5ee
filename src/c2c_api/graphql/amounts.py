"""Amounts of deals and money: `MinorUnits` (integers beyond GraphQL's 32-bit Int) and
`Amount` (minor units, currency, plain text)."""

from __future__ import annotations

from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from c2c_api.errors import InvalidInput
from c2c_api.kit.money import CURRENCIES, Money


def _parse(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("Give an amount as a whole number of minor units.")
    return value


MinorUnits = NewType("MinorUnits", int)
"""Annotate amounts with it; the schema maps it to the scalar below (SCALARS)."""

MINOR_UNITS = strawberry.scalar(
    name="MinorUnits",
    description=(
        "An amount in minor units of its currency (1250 EUR is 12.50 €), as a JSON integer. "
        "Unlike Int it is not limited to 32 bits; amounts accepted range from 1 to 10^12 "
        "(AMOUNT_OUT_OF_RANGE otherwise)."
    ),
    serialize=int,
    parse_value=_parse,
)
SCALARS: dict[object, ScalarDefinition] = {MinorUnits: MINOR_UNITS}


@strawberry.type(name="Amount", description="An amount of money of a deal or a balance.")
class AmountType:
    amount: MinorUnits = strawberry.field(description="Minor units (may exceed 32 bits).")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. EUR.")
    formatted: str = strawberry.field(description="Plain decimal text such as '12.50 EUR'.")


def amount(value: int, currency: str) -> AmountType:
    text = Money(value, currency).format() if currency in CURRENCIES else f"{value} {currency}"
    return AmountType(amount=MinorUnits(value), currency=currency, formatted=text)
