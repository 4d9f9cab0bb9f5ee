"""Why a posting or a hold was refused.

    DomainError
     ├── NotFound
     │    └── HoldNotFound               NOT_FOUND: no hold has this id
     ├── InvalidInput
     │    ├── AmountOutOfRange           AMOUNT_OUT_OF_RANGE: not an int in 1..10^12 (or more
     │    │                              than the hold when posting part of one)
     │    └── UnsupportedCurrency        CURRENCY_UNSUPPORTED (listings' class, re-exported)
     ├── InvalidState
     │    ├── InsufficientFunds          INSUFFICIENT_FUNDS: an account would go below zero
     │    └── HoldNotPending             HOLD_NOT_PENDING: already posted, voided or expired
     └── Conflict
          └── LedgerReferenceConflict    LEDGER_REFERENCE_CONFLICT: reference reused otherwise

`AmountOutOfRange` is meant for other domains too (offers, orders, payments).
"""

from __future__ import annotations

from c2c_api.errors import Conflict, ErrorCode, InvalidInput, InvalidState, NotFound
from c2c_api.i18n import register_catalogue
from c2c_api.listings.errors import UnsupportedCurrency

__all__ = [
    "AmountOutOfRange",
    "HoldNotFound",
    "HoldNotPending",
    "InsufficientFunds",
    "LedgerReferenceConflict",
    "UnsupportedCurrency",
]


class AmountOutOfRange(InvalidInput):
    """This amount is out of range."""

    code = ErrorCode.AMOUNT_OUT_OF_RANGE


class InsufficientFunds(InvalidState):
    """There are not enough funds for this."""

    code = ErrorCode.INSUFFICIENT_FUNDS


class HoldNotPending(InvalidState):
    """These funds are no longer held: the hold was already posted, voided or expired."""

    code = ErrorCode.HOLD_NOT_PENDING


class HoldNotFound(NotFound):
    """This hold does not exist."""


class LedgerReferenceConflict(Conflict):
    """This reference was already used for a different operation."""

    code = ErrorCode.LEDGER_REFERENCE_CONFLICT


MESSAGES_FR: dict[str, str] = {
    "This amount is out of range.": "Ce montant est hors limites.",
    "There are not enough funds for this.": "Les fonds sont insuffisants pour cette opération.",
    "These funds are no longer held: the hold was already posted, voided or expired.": (
        "Ces fonds ne sont plus réservés : la réservation a déjà été encaissée, annulée ou a "
        "expiré."
    ),
    "This hold does not exist.": "Cette réservation n'existe pas.",
    "This reference was already used for a different operation.": (
        "Cette référence a déjà servi pour une autre opération."
    ),
}

register_catalogue("fr", MESSAGES_FR)
