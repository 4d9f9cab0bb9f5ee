"""Why a request with an idempotency key was refused (IETF draft "The Idempotency-Key HTTP
Header Field": 400, 422 and 409 over REST; the same codes as `UserError`s in GraphQL).

    DomainError
     ├── InvalidInput
     │    ├── IdempotencyKeyRequired   IDEMPOTENCY_KEY_REQUIRED: the operation needs a key
     │    │                            (REST 400: rest/problems.py STATUS_BY_CODE)
     │    └── IdempotencyKeyReused     IDEMPOTENCY_KEY_REUSED: the key was used for another
     │                                 operation or other arguments (REST 422)
     └── Conflict
          └── IdempotencyKeyInUse      IDEMPOTENCY_KEY_IN_USE: the first request with the key
                                       is still running (REST 409)

A malformed key (empty, longer than 255 characters, control characters) is a plain
INVALID_INPUT on the key's field (`idempotencyKey`, or the header's name over REST).
"""

from __future__ import annotations

from c2c_api.errors import Conflict, ErrorCode, InvalidInput
from c2c_api.i18n import register_catalogue


class IdempotencyKeyRequired(InvalidInput):
    """This operation needs an idempotency key."""

    code = ErrorCode.IDEMPOTENCY_KEY_REQUIRED


class IdempotencyKeyReused(InvalidInput):
    """This idempotency key was already used for another request."""

    code = ErrorCode.IDEMPOTENCY_KEY_REUSED


class IdempotencyKeyInUse(Conflict):
    """A request with this idempotency key is still running; retry it later."""

    code = ErrorCode.IDEMPOTENCY_KEY_IN_USE


MESSAGES_FR: dict[str, str] = {
    "This operation needs an idempotency key.": "Cette opération demande une clé d'idempotence.",
    "This idempotency key was already used for another request.": (
        "Cette clé d'idempotence a déjà servi pour une autre requête."
    ),
    "A request with this idempotency key is still running; retry it later.": (
        "Une requête avec cette clé d'idempotence est encore en cours ; réessayez plus tard."
    ),
    "Give an idempotency key of 1 to 255 characters, without control characters.": (
        "Donnez une clé d'idempotence de 1 à 255 caractères, sans caractères de contrôle."
    ),
}

register_catalogue("fr", MESSAGES_FR)
