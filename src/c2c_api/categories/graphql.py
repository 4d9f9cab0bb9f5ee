"""GraphQL entry points of the categories domain."""

from __future__ import annotations

import strawberry


@strawberry.type
class CategoryQuery:
    pass


@strawberry.type
class CategoryMutation:
    pass
