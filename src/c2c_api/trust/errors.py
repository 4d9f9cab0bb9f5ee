"""Why a text could not be checked for warnings.

DomainError
 └── InvalidInput
      └── MessageTooLong     MESSAGE_TOO_LONG (max_length)
"""

from __future__ import annotations

from c2c_api.errors import ErrorCode, InvalidInput
from c2c_api.i18n import register_catalogue


class MessageTooLong(InvalidInput):
    """A message has at most 4000 characters."""

    code = ErrorCode.MESSAGE_TOO_LONG


register_catalogue(
    "fr",
    {"A message has at most 4000 characters.": "Un message compte au plus 4000 caractères."},
)
