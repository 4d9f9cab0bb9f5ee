"""GraphQL types of scam warnings on messages (the trust domain owns them; messages use them).

Minimal for now (issue 10): the flag, the reason in the caller's language, the excerpt.
"""

from __future__ import annotations

import strawberry

from c2c_api.i18n import register_catalogue, translate
from c2c_api.trust.warnings import WarningFlag, reason_key

MessageWarningFlag = strawberry.enum(
    WarningFlag,
    name="MessageWarningFlag",
    description="What a message's warning is about (contact details, payment off-platform).",
)

_REASONS_EN = {
    reason_key(WarningFlag.EMAIL_ADDRESS): (
        "This message contains an e-mail address: keep talking and paying on the platform."
    ),
    reason_key(WarningFlag.PHONE_NUMBER): (
        "This message contains a phone number: keep talking and paying on the platform."
    ),
    reason_key(WarningFlag.IBAN): (
        "This message contains a bank account number: never pay outside the platform."
    ),
    reason_key(WarningFlag.EXTERNAL_APP_LINK): (
        "This message links to a payment or messaging app: stay on the platform."
    ),
    reason_key(WarningFlag.OFF_PLATFORM): (
        "This message invites you to deal outside the platform: you would lose buyer protection."
    ),
}
_REASONS_FR = {
    reason_key(WarningFlag.EMAIL_ADDRESS): (
        "Ce message contient une adresse e-mail : échangez et payez sur la plateforme."
    ),
    reason_key(WarningFlag.PHONE_NUMBER): (
        "Ce message contient un numéro de téléphone : échangez et payez sur la plateforme."
    ),
    reason_key(WarningFlag.IBAN): (
        "Ce message contient un numéro de compte bancaire : ne payez jamais hors de la plateforme."
    ),
    reason_key(WarningFlag.EXTERNAL_APP_LINK): (
        "Ce message renvoie vers une application de paiement ou de messagerie : restez sur la "
        "plateforme."
    ),
    reason_key(WarningFlag.OFF_PLATFORM): (
        "Ce message vous invite à traiter hors de la plateforme : vous perdriez la protection "
        "acheteur."
    ),
}
register_catalogue("en", _REASONS_EN)
register_catalogue("fr", _REASONS_FR)


@strawberry.type(
    name="MessageWarning",
    description=(
        'A scam warning a message carries: shown to its recipient, and to its sender ("your '
        'message carried warnings"). It does not stop the message.'
    ),
)
class MessageWarningType:
    flag: MessageWarningFlag  # type: ignore[valid-type]
    reason: str = strawberry.field(description="Why it matters, in the caller's language.")
    excerpt: str | None = strawberry.field(description="The part of the text that raised it.")

    @classmethod
    def of(cls, *, flag: WarningFlag, excerpt: str | None, locale: str) -> MessageWarningType:
        return cls(flag=flag, reason=translate(reason_key(flag), locale), excerpt=excerpt)
