"""Why an order (or a purchase) was refused.

DomainError
 ├── NotFound
 │    └── OrderNotFound            ORDER_NOT_FOUND: no such order, or not a party to it
 ├── Forbidden
 │    ├── PurchaseOfOwnListing     PURCHASE_OF_OWN_LISTING
 │    └── NotTheBuyer              NOT_THE_BUYER: only the buyer pays
 ├── InvalidInput
 │    ├── HandoverNotOffered       HANDOVER_NOT_OFFERED
 │    └── HandoverCodeInvalid      HANDOVER_CODE_INVALID (attemptsLeft)
 └── InvalidState
      ├── ListingNotPurchasable    LISTING_NOT_PURCHASABLE
      ├── OutOfStock               OUT_OF_STOCK (available)
      ├── HandoverCodeLocked       HANDOVER_CODE_LOCKED
      ├── OrderNotPayable          ORDER_NOT_PAYABLE
      ├── PaymentDeclined          PAYMENT_DECLINED
      └── CardInsufficientFunds    CARD_INSUFFICIENT_FUNDS
"""

from __future__ import annotations

from c2c_api.errors import ErrorCode, Forbidden, InvalidInput, InvalidState, NotFound
from c2c_api.i18n import register_catalogue


class OrderNotFound(NotFound):
    """This order does not exist."""

    code = ErrorCode.ORDER_NOT_FOUND


class PurchaseOfOwnListing(Forbidden):
    """You cannot buy or make an offer on your own listing."""

    code = ErrorCode.PURCHASE_OF_OWN_LISTING


class NotTheBuyer(Forbidden):
    """Only the buyer pays this order."""

    code = ErrorCode.NOT_THE_BUYER


class HandoverNotOffered(InvalidInput):
    """The listing does not offer this handover."""

    code = ErrorCode.HANDOVER_NOT_OFFERED


class HandoverCodeInvalid(InvalidInput):
    """This handover code is wrong."""

    code = ErrorCode.HANDOVER_CODE_INVALID


class ListingNotPurchasable(InvalidState):
    """This listing cannot be bought now."""

    code = ErrorCode.LISTING_NOT_PURCHASABLE


class OutOfStock(InvalidState):
    """Not enough units are left."""

    code = ErrorCode.OUT_OF_STOCK


class HandoverCodeLocked(InvalidState):
    """The handover code was entered wrongly too many times."""

    code = ErrorCode.HANDOVER_CODE_LOCKED


class OrderNotPayable(InvalidState):
    """This order is not awaiting payment."""

    code = ErrorCode.ORDER_NOT_PAYABLE


class PaymentDeclined(InvalidState):
    """The payment was declined; nothing was charged."""

    code = ErrorCode.PAYMENT_DECLINED


class CardInsufficientFunds(InvalidState):
    """The card has insufficient funds; nothing was charged."""

    code = ErrorCode.CARD_INSUFFICIENT_FUNDS


register_catalogue(
    "fr",
    {
        "This order does not exist.": "Cette commande n'existe pas.",
        "You cannot buy or make an offer on your own listing.": (
            "Vous ne pouvez pas acheter votre propre annonce ni faire une offre dessus."
        ),
        "Only the buyer pays this order.": "Seul l'acheteur paie cette commande.",
        "The listing does not offer this handover.": (
            "L'annonce ne propose pas ce mode de remise."
        ),
        "This handover code is wrong.": "Ce code de remise est incorrect.",
        "This listing cannot be bought now.": "Cette annonce ne peut pas être achetée maintenant.",
        "Not enough units are left.": "Il ne reste pas assez d'unités.",
        "Choose a quantity from 1 to 1000.": "Choisissez une quantité de 1 à 1000.",
        "The handover code was entered wrongly too many times.": (
            "Le code de remise a été mal saisi trop de fois."
        ),
        "This order is not awaiting payment.": "Cette commande n'attend pas de paiement.",
        "The payment was declined; nothing was charged.": (
            "Le paiement a été refusé ; rien n'a été débité."
        ),
        "The card has insufficient funds; nothing was charged.": (
            "La carte n'a pas les fonds suffisants ; rien n'a été débité."
        ),
        "Give an amount as a whole number of minor units.": (
            "Indiquez un montant en nombre entier d'unités mineures (centimes)."
        ),
        "Give a payout destination of 2 to 64 letters, digits, - or _.": (
            "Indiquez une destination de versement de 2 à 64 lettres, chiffres, - ou _."
        ),
        "This currency is not supported.": "Cette devise n'est pas prise en charge.",
        "Send a JSON object of at most 4 KiB.": "Envoyez un objet JSON d'au plus 4 Kio.",
        "This field must be a text of 1 to 200 characters.": (
            "Ce champ doit être un texte de 1 à 200 caractères."
        ),
        "The meet-up must be in the future, within 6 days.": (
            "La rencontre doit avoir lieu dans le futur, sous 6 jours."
        ),
    },
)
