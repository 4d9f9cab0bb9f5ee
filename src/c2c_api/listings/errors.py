"""Why a listing write was refused.

    DomainError
     ├── InvalidInput
     │    ├── InvalidPrice             LISTING_INVALID_PRICE: amount <= 0, > MAX_AMOUNT, or
     │    │                            inconsistent (reserve < start, buy-now <= start, …)
     │    ├── UnsupportedCurrency      CURRENCY_UNSUPPORTED: not in kit.money.CURRENCIES
     │    ├── EndTimeInPast            END_TIME_IN_PAST: an end time/deadline not in the future
     │    ├── EndTimeTooFar            END_TIME_TOO_FAR: beyond the kind's longest duration
     │    ├── CoordinatesOutOfRange    COORDINATES_OUT_OF_RANGE: latitude/longitude off the globe
     │    └── ListingIncomplete        LISTING_INCOMPLETE: publishing a draft that lacks fields
     ├── InvalidState
     │    └── ListingNotEditable       LISTING_NOT_EDITABLE: closed, expired, sold or removed
     └── Conflict
          └── VersionConflict          VERSION_CONFLICT: `expectedVersion` is stale

Every error names the input fields at fault in `fields` (camelCase paths such as
"sale.price" or "location.latitude").
"""

from __future__ import annotations

from c2c_api.errors import Conflict, ErrorCode, InvalidInput, InvalidState
from c2c_api.i18n import register_catalogue


class InvalidPrice(InvalidInput):
    """This amount is not valid."""

    code = ErrorCode.LISTING_INVALID_PRICE


class UnsupportedCurrency(InvalidInput):
    """This currency is not supported."""

    code = ErrorCode.CURRENCY_UNSUPPORTED


class EndTimeInPast(InvalidInput):
    """The end time must be in the future."""

    code = ErrorCode.END_TIME_IN_PAST


class EndTimeTooFar(InvalidInput):
    """The end time is too far in the future."""

    code = ErrorCode.END_TIME_TOO_FAR


class CoordinatesOutOfRange(InvalidInput):
    """Latitude must be within -90..90 and longitude within -180..180."""

    code = ErrorCode.COORDINATES_OUT_OF_RANGE


class ListingIncomplete(InvalidInput):
    """This listing lacks information needed to publish it."""

    code = ErrorCode.LISTING_INCOMPLETE


class ListingNotEditable(InvalidState):
    """This listing can no longer be changed."""

    code = ErrorCode.LISTING_NOT_EDITABLE


class VersionConflict(Conflict):
    """This listing was changed meanwhile; reload it and try again."""

    code = ErrorCode.VERSION_CONFLICT


class CategoryRetired(InvalidInput):
    """This category is retired: choose another one."""

    code = ErrorCode.CATEGORY_RETIRED


MESSAGES_FR: dict[str, str] = {
    "A {kind} listing has no such field.": "Une annonce {kind} n'a pas ce champ.",
    "Only operators can restore a listing that an operator removed.": (
        "Seuls les opérateurs peuvent rétablir une annonce retirée par un opérateur."
    ),
    "endsAt must carry a UTC offset (for example 2026-12-01T18:00:00Z).": (
        "endsAt doit indiquer un décalage UTC (par exemple 2026-12-01T18:00:00Z)."
    ),
    "Some fields are required.": "Certains champs sont obligatoires.",
    "{n} units are already reserved or sold: keep at least that many.": (
        "{n} unités sont déjà réservées ou vendues : gardez-en au moins autant."
    ),
    "This field cannot be cleared.": "Ce champ ne peut pas être vidé.",
    "This amount is not valid.": "Ce montant n'est pas valide.",
    "This currency is not supported.": "Cette devise n'est pas prise en charge.",
    "The end time must be in the future.": "La date de fin doit être dans le futur.",
    "The end time is too far in the future.": "La date de fin est trop lointaine.",
    "Latitude must be within -90..90 and longitude within -180..180.": (
        "La latitude doit être comprise entre -90 et 90 et la longitude entre -180 et 180."
    ),
    "This listing lacks information needed to publish it.": (
        "Il manque des informations pour publier cette annonce."
    ),
    "This listing can no longer be changed.": "Cette annonce ne peut plus être modifiée.",
    "This listing was changed meanwhile; reload it and try again.": (
        "Cette annonce a été modifiée entre-temps ; rechargez-la et réessayez."
    ),
    "This category is retired: choose another one.": (
        "Cette catégorie n'est plus proposée : choisissez-en une autre."
    ),
}

register_catalogue("fr", MESSAGES_FR)
