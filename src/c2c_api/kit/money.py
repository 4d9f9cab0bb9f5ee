"""Money: integer minor units with an ISO 4217 currency. Never floats."""

from __future__ import annotations

from dataclasses import dataclass

# Currencies we accept, with their minor-unit exponent (ISO 4217).
CURRENCIES: dict[str, int] = {
    "EUR": 2,
    "USD": 2,
    "GBP": 2,
    "CHF": 2,
    "CAD": 2,
    "AUD": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "HUF": 2,
    "RON": 2,
    "JPY": 0,
}

# The largest amount we accept in any field: 10^9 minor units (10 million EUR). Bigger is absurd
# for consumer-to-consumer trade; it also keeps amounts inside GraphQL's 32-bit Int.
MAX_AMOUNT = 1_000_000_000


def is_currency(code: object) -> bool:
    return isinstance(code, str) and code in CURRENCIES


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units (cents) of a currency."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("amount must be an int of minor units")
        if self.currency not in CURRENCIES:
            raise ValueError(f"unsupported currency {self.currency!r}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    @property
    def exponent(self) -> int:
        return CURRENCIES[self.currency]

    def format(self) -> str:
        """Plain decimal text, e.g. '12.50 EUR' (front ends localise it themselves)."""
        exp = self.exponent
        sign = "-" if self.amount < 0 else ""
        units, minor = divmod(abs(self.amount), 10**exp) if exp else (abs(self.amount), 0)
        return (
            f"{sign}{units}.{minor:0{exp}d} {self.currency}"
            if exp
            else f"{sign}{units} {self.currency}"
        )
