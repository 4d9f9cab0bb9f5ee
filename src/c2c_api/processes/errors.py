"""Why a transition was refused.

DomainError
 ├── InvalidState
 │    └── TransitionNotAvailable   TRANSITION_NOT_AVAILABLE: not from the current state
 ├── Forbidden
 │    └── TransitionNotAllowed     TRANSITION_NOT_ALLOWED: not the caller's to take
 └── InvalidInput
      └── TransitionInputInvalid   TRANSITION_INPUT_INVALID: missing or malformed input
"""

from __future__ import annotations

from c2c_api.errors import ErrorCode, Forbidden, InvalidInput, InvalidState
from c2c_api.i18n import register_catalogue


class TransitionNotAvailable(InvalidState):
    """This step is not available in the order's current state."""

    code = ErrorCode.TRANSITION_NOT_AVAILABLE


class TransitionNotAllowed(Forbidden):
    """This step is not yours to take."""

    code = ErrorCode.TRANSITION_NOT_ALLOWED


class TransitionInputInvalid(InvalidInput):
    """This step's input is missing or not valid."""

    code = ErrorCode.TRANSITION_INPUT_INVALID


register_catalogue(
    "fr",
    {
        "This step is not available in the order's current state.": (
            "Cette étape n'est pas possible dans l'état actuel de la commande."
        ),
        "This step is not yours to take.": "Cette étape ne vous revient pas.",
        "This step's input is missing or not valid.": (
            "Une information de cette étape manque ou n'est pas valide."
        ),
        "This transition does not take these inputs.": (
            "Cette étape ne prend pas ces informations."
        ),
        "This transition needs this input.": "Cette étape demande cette information.",
        "Give a date and time with its time zone.": (
            "Indiquez une date et une heure avec leur fuseau horaire."
        ),
        "Use 1 to {n} characters.": "Utilisez de 1 à {n} caractères.",
    },
)
