"""Scam warnings on messages: contact details or payment taken off the platform.

The contract the conversations domain builds on: `scan_message(text)` returns the warnings a
message carries, each a flag with the span of text that raised it. A warning does not stop a
message; it is shown to the recipient, and to the sender before sending (a dry-run check).
The reasons people read are in the i18n catalogue, per flag (`reason_key(flag)`).

WORK IN PROGRESS (issue 10): only e-mail addresses are detected so far; the other flags,
their libraries (phone numbers, IBANs) and the labelled measurement come next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# The longest text message a member may send, in characters (after NFC normalisation).
MAX_MESSAGE_LENGTH = 4000


class WarningFlag(StrEnum):
    EMAIL_ADDRESS = "EMAIL_ADDRESS"
    PHONE_NUMBER = "PHONE_NUMBER"
    IBAN = "IBAN"
    EXTERNAL_APP_LINK = "EXTERNAL_APP_LINK"  # a link to a payment or messaging app
    OFF_PLATFORM = "OFF_PLATFORM"  # an invitation to pay or talk outside the platform


@dataclass(frozen=True, slots=True)
class MessageWarning:
    flag: WarningFlag
    start: int  # the span of `text` that raised it: text[start:end]
    end: int


def reason_key(flag: WarningFlag) -> str:
    """The i18n message id of the reason a person reads for `flag`."""
    return f"trust.warning.{flag.value.lower()}"


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def scan_message(text: str) -> tuple[MessageWarning, ...]:
    """The warnings `text` carries, in the order of their spans (one per flag and span)."""
    return tuple(
        MessageWarning(WarningFlag.EMAIL_ADDRESS, m.start(), m.end()) for m in _EMAIL.finditer(text)
    )
