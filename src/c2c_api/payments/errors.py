"""Why a call to the payment provider, or a provider's webhook, was refused.

DomainError
 ├── ProviderUnavailable         PAYMENT_PROVIDER_UNAVAILABLE: the provider did not answer;
 │                               retryable (REST 503)
 ├── InvalidInput
 │    ├── WebhookSignatureInvalid  WEBHOOK_SIGNATURE_INVALID: forged or unsigned (REST 400)
 │    ├── WebhookTooOld            WEBHOOK_TOO_OLD: signed too long ago (REST 400)
 │    └── WebhookMalformed         WEBHOOK_MALFORMED: signed, but not an event (REST 400)
 └── NotFound
      └── UnknownPaymentProvider   UNKNOWN_PAYMENT_PROVIDER: not a provider we use (REST 404)
"""

from __future__ import annotations

from typing import ClassVar

from c2c_api.errors import DomainError, ErrorCode, InvalidInput, NotFound
from c2c_api.i18n import register_catalogue


class ProviderUnavailable(DomainError):
    """The payment provider cannot be reached right now; try again in a moment."""

    code = ErrorCode.PAYMENT_PROVIDER_UNAVAILABLE
    retryable: ClassVar[bool] = True


class WebhookSignatureInvalid(InvalidInput):
    """The webhook signature is missing or does not match."""

    code = ErrorCode.WEBHOOK_SIGNATURE_INVALID


class WebhookTooOld(InvalidInput):
    """The webhook was signed too long ago."""

    code = ErrorCode.WEBHOOK_TOO_OLD


class WebhookMalformed(InvalidInput):
    """The webhook body is not a valid event."""

    code = ErrorCode.WEBHOOK_MALFORMED


class UnknownPaymentProvider(NotFound):
    """This payment provider is not used here."""

    code = ErrorCode.UNKNOWN_PAYMENT_PROVIDER


MESSAGES_FR: dict[str, str] = {
    "The payment provider cannot be reached right now; try again in a moment.": (
        "Le prestataire de paiement est injoignable pour le moment ; réessayez dans un instant."
    ),
    "The webhook signature is missing or does not match.": (
        "La signature du webhook est absente ou ne correspond pas."
    ),
    "The webhook was signed too long ago.": "Le webhook a été signé il y a trop longtemps.",
    "The webhook body is not a valid event.": "Le corps du webhook n'est pas un événement valide.",
    "This payment provider is not used here.": "Ce prestataire de paiement n'est pas utilisé ici.",
}

register_catalogue("fr", MESSAGES_FR)
