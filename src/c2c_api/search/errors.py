"""Why a search or a saved search was refused.

    DomainError
     └── InvalidInput
          ├── InvalidCursor           INVALID_CURSOR: not a cursor we issued for this search
          ├── SearchLimitExceeded     SEARCH_LIMIT_EXCEEDED: page size, query length, radius, …
          ├── CurrencyRequired        CURRENCY_REQUIRED: a price bound without a currency
          ├── CoordinatesOutOfRange   COORDINATES_OUT_OF_RANGE: latitude/longitude/radius
          └── (from categories)       CATEGORY_UNKNOWN, ATTRIBUTE_UNKNOWN, ATTRIBUTE_INVALID

Messages are the class docstrings (translated by c2c_api.i18n).
"""

from __future__ import annotations

from c2c_api import errors
from c2c_api.errors import ErrorCode, InvalidInput
from c2c_api.i18n import register_catalogue


class InvalidCursor(errors.InvalidCursor):
    """This cursor is not valid for this search."""


class SearchLimitExceeded(InvalidInput):
    """This search goes beyond a limit."""

    code = ErrorCode.SEARCH_LIMIT_EXCEEDED


class CurrencyRequired(InvalidInput):
    """A price filter needs a currency."""

    code = ErrorCode.CURRENCY_REQUIRED


class CoordinatesOutOfRange(InvalidInput):
    """These coordinates are out of range."""

    code = ErrorCode.COORDINATES_OUT_OF_RANGE


class UnsupportedCurrency(InvalidInput):
    """This currency is not supported."""

    code = ErrorCode.CURRENCY_UNSUPPORTED


MESSAGES_FR: dict[str, str] = {
    "This cursor is not valid for this search.": (
        "Ce curseur n'est pas valable pour cette recherche."
    ),
    "This search goes beyond a limit.": "Cette recherche dépasse une limite.",
    "A price filter needs a currency.": "Un filtre de prix demande une devise.",
    "These coordinates are out of range.": "Ces coordonnées sont hors limites.",
    "This currency is not supported.": "Cette devise n'est pas prise en charge.",
    "Remove the control characters from this value.": (
        "Retirez les caractères de contrôle de cette valeur."
    ),
}

register_catalogue("fr", MESSAGES_FR)
