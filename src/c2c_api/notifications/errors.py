"""Why an unsubscribe link was refused.

DomainError
 └── InvalidInput
      └── UnsubscribeLinkInvalid      INVALID_TOKEN: forged, garbled, expired, or revoked
"""

from __future__ import annotations

from c2c_api.errors import ErrorCode, InvalidInput
from c2c_api.i18n import register_catalogue, translatable


class UnsubscribeLinkInvalid(InvalidInput):
    """This unsubscribe link is invalid or has expired."""

    code = ErrorCode.INVALID_TOKEN


REVOKED = translatable(
    "This unsubscribe link was issued before you turned these e-mails back on; use the link of "
    "a newer e-mail, or your notification settings."
)

register_catalogue(
    "fr",
    {
        "This unsubscribe link is invalid or has expired.": (
            "Ce lien de désinscription est invalide ou a expiré."
        ),
        REVOKED: (
            "Ce lien de désinscription date d'avant la réactivation de ces e-mails ; utilisez le "
            "lien d'un e-mail plus récent, ou vos réglages de notification."
        ),
    },
)
