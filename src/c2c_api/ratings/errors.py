"""Why a rating or a reply was refused (docs/ratings.md, "Errors").

DomainError
 ├── NotFound
 │    └── RatingNotFound              RATING_NOT_FOUND (also: not yet revealed to the caller)
 ├── Forbidden
 │    └── NotYoursToReply             NOT_YOURS_TO_REPLY
 ├── InvalidInput
 │    ├── RatingScoreInvalid          RATING_SCORE_INVALID (fields: score, criteria.<NAME>)
 │    └── RatingCriterionNotAllowed   RATING_CRITERION_NOT_ALLOWED (allowed)
 └── InvalidState
      ├── OrderNotCompleted           ORDER_NOT_COMPLETED
      ├── AlreadyRated                ALREADY_RATED
      ├── RatingWindowClosed          RATING_WINDOW_CLOSED (closedAt)
      └── AlreadyReplied              ALREADY_REPLIED

Rating an order the caller is not a party to is the orders' ORDER_NOT_FOUND; an oversized
comment or reply, or one with control characters, is INVALID_INPUT naming the field.
"""

from __future__ import annotations

from c2c_api.errors import ErrorCode, Forbidden, InvalidInput, InvalidState, NotFound
from c2c_api.i18n import register_catalogue


class RatingNotFound(NotFound):
    """This rating does not exist."""

    code = ErrorCode.RATING_NOT_FOUND


class NotYoursToReply(Forbidden):
    """Only the member a rating is about may reply to it."""

    code = ErrorCode.NOT_YOURS_TO_REPLY


class RatingScoreInvalid(InvalidInput):
    """Give a score from 1 to 5."""

    code = ErrorCode.RATING_SCORE_INVALID


class RatingCriterionNotAllowed(InvalidInput):
    """Rate only the criteria of your side of the deal, each once."""

    code = ErrorCode.RATING_CRITERION_NOT_ALLOWED


class OrderNotCompleted(InvalidState):
    """An order can be rated only once it is completed."""

    code = ErrorCode.ORDER_NOT_COMPLETED


class AlreadyRated(InvalidState):
    """You already rated this order."""

    code = ErrorCode.ALREADY_RATED


class RatingWindowClosed(InvalidState):
    """The time to rate this order has passed."""

    code = ErrorCode.RATING_WINDOW_CLOSED


class AlreadyReplied(InvalidState):
    """This rating already has a reply."""

    code = ErrorCode.ALREADY_REPLIED


register_catalogue(
    "fr",
    {
        "This rating does not exist.": "Cette évaluation n'existe pas.",
        "Only the member a rating is about may reply to it.": (
            "Seul le membre évalué peut répondre à une évaluation."
        ),
        "Give a score from 1 to 5.": "Donnez une note de 1 à 5.",
        "Rate only the criteria of your side of the deal, each once.": (
            "N'évaluez que les critères de votre rôle dans la transaction, chacun une fois."
        ),
        "An order can be rated only once it is completed.": (
            "Une commande ne peut être évaluée qu'une fois terminée."
        ),
        "You already rated this order.": "Vous avez déjà évalué cette commande.",
        "The time to rate this order has passed.": (
            "Le délai pour évaluer cette commande est passé."
        ),
        "This rating already has a reply.": "Cette évaluation a déjà une réponse.",
        "Use at most 1000 characters.": "Utilisez au plus 1000 caractères.",
        "Write a reply.": "Écrivez une réponse.",
    },
)
