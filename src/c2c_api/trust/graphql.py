"""GraphQL types of scam warnings, and the dry-run check a sender runs before sending.

`MessageWarningType` is the type the conversations domain puts on its messages
(`MessageWarningType.from_warning(warning)`); its `reason` is in the caller's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry
from strawberry.types import Info

from c2c_api.graphql.permissions import requires
from c2c_api.trust import service
from c2c_api.trust.warnings import MAX_MESSAGE_LENGTH, MessageWarning, WarningFlag, reason

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context

MessageWarningFlag = strawberry.enum(
    WarningFlag,
    name="MessageWarningFlag",
    description='Why a message carries a scam warning (docs/messaging.md, "Scam warnings").',
)
_definition = MessageWarningFlag.__strawberry_definition__  # type: ignore[attr-defined]
for _value in _definition.values:
    _value.description = {
        WarningFlag.EMAIL_ADDRESS: 'An e-mail address, also spelled out ("arobase", "(at)").',
        WarningFlag.PHONE_NUMBER: "A phone number, French or international, also spelled out.",
        WarningFlag.IBAN: "A bank account number (IBAN).",
        WarningFlag.EXTERNAL_APP_LINK: (
            "A messaging or payment app named or linked (WhatsApp, Telegram, PayPal, Lydia…), "
            "or a link that imitates a payment page or hides its target."
        ),
        WarningFlag.OFF_PLATFORM: "An invitation to pay or to talk outside the platform.",
    }[WarningFlag(_value.value)]


@strawberry.type(
    name="MessageWarning",
    description=(
        "A scam warning on a message: shown to its recipient, and to its sender before "
        "sending. It does not stop the message."
    ),
)
class MessageWarningType:
    flag: MessageWarningFlag  # type: ignore[valid-type]
    excerpt: str = strawberry.field(
        description=(
            "The words that raised the warning, shortened; phone numbers, e-mail addresses and "
            'IBANs keep only their first and last characters ("06 •• •• •• 78").'
        )
    )

    @strawberry.field(description="Why this is a warning, in the caller's language (en or fr).")
    def reason(self, info: Info) -> str:
        ctx: Context = info.context
        return reason(WarningFlag(self.flag), ctx.locale)

    @classmethod
    def from_warning(cls, warning: MessageWarning) -> MessageWarningType:
        return cls(flag=warning.flag, excerpt=warning.excerpt)


@strawberry.type
class TrustQuery:
    @strawberry.field(
        description=(
            "The scam warnings a message would carry, checked before sending it (nothing is "
            f"sent or stored). At most {MAX_MESSAGE_LENGTH} characters: longer, the error "
            "MESSAGE_TOO_LONG."
        ),
        extensions=[requires("messages:write")],
    )
    def message_warnings(self, text: str) -> list[MessageWarningType] | None:
        return [MessageWarningType.from_warning(w) for w in service.message_warnings(text)]
