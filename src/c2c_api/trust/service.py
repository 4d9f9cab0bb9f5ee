"""Use cases of trust: the dry-run check of a message before it is sent."""

from __future__ import annotations

from c2c_api.trust.warnings import MessageWarning, check_message_length, scan_message


def message_warnings(text: str) -> tuple[MessageWarning, ...]:
    """The warnings `text` would carry as a message; MessageTooLong past 4000 characters."""
    check_message_length(text)
    return scan_message(text)
