"""GraphQL entry points of the questions domain."""

from __future__ import annotations

import strawberry


@strawberry.type
class QuestionQuery:
    pass


@strawberry.type
class QuestionMutation:
    pass
