"""Why an offer was refused.

DomainError
 ├── NotFound
 │    └── OfferNotFound            OFFER_NOT_FOUND
 ├── Forbidden
 │    └── OfferNotYoursToAnswer    OFFER_NOT_YOURS_TO_ANSWER
 ├── InvalidInput
 │    ├── OfferBelowFloor          OFFER_BELOW_FLOOR (floor)
 │    └── OfferCurrencyMismatch    OFFER_CURRENCY_MISMATCH
 └── InvalidState
      ├── OffersNotAccepted        OFFERS_NOT_ACCEPTED
      ├── TooManyOffers            TOO_MANY_OFFERS
      └── OfferNotPending          OFFER_NOT_PENDING (status)
"""

from __future__ import annotations

from c2c_api.errors import ErrorCode, Forbidden, InvalidInput, InvalidState, NotFound
from c2c_api.i18n import register_catalogue


class OfferNotFound(NotFound):
    """This offer does not exist."""

    code = ErrorCode.OFFER_NOT_FOUND


class OfferNotYoursToAnswer(Forbidden):
    """Only the other party answers an offer, and only its maker withdraws it."""

    code = ErrorCode.OFFER_NOT_YOURS_TO_ANSWER


class OfferBelowFloor(InvalidInput):
    """This offer is below the lowest amount allowed."""

    code = ErrorCode.OFFER_BELOW_FLOOR


class OfferCurrencyMismatch(InvalidInput):
    """Make the offer in the listing's currency."""

    code = ErrorCode.OFFER_CURRENCY_MISMATCH


class OffersNotAccepted(InvalidState):
    """The seller does not take offers on this listing."""

    code = ErrorCode.OFFERS_NOT_ACCEPTED


class TooManyOffers(InvalidState):
    """You already have the most open offers allowed."""

    code = ErrorCode.TOO_MANY_OFFERS


class OfferNotPending(InvalidState):
    """This offer was already answered, withdrawn, or has expired."""

    code = ErrorCode.OFFER_NOT_PENDING


register_catalogue(
    "fr",
    {
        "This offer does not exist.": "Cette offre n'existe pas.",
        "Only the other party answers an offer, and only its maker withdraws it.": (
            "Seule l'autre partie répond à une offre, et seul son auteur la retire."
        ),
        "This offer is below the lowest amount allowed.": (
            "Cette offre est inférieure au montant minimal autorisé."
        ),
        "Make the offer in the listing's currency.": "Faites l'offre dans la devise de l'annonce.",
        "The seller does not take offers on this listing.": (
            "Le vendeur n'accepte pas d'offres sur cette annonce."
        ),
        "You already have the most open offers allowed.": (
            "Vous avez déjà le nombre maximal d'offres en cours."
        ),
        "This offer was already answered, withdrawn, or has expired.": (
            "Cette offre a déjà reçu une réponse, a été retirée ou a expiré."
        ),
        "Choose how to receive the item: shipping or meet-up.": (
            "Choisissez comment recevoir l'objet : envoi ou rencontre."
        ),
        "The automatic decline must be below the automatic acceptance.": (
            "Le refus automatique doit être inférieur à l'acceptation automatique."
        ),
        "Propose one of your own published listings.": (
            "Proposez une de vos propres annonces publiées."
        ),
        "Use at most 500 characters.": "Utilisez au plus 500 caractères.",
    },
)
