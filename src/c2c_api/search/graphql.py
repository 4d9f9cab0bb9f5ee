"""GraphQL entry points of the search domain."""

from __future__ import annotations

import strawberry


@strawberry.type
class SearchQuery:
    pass


@strawberry.type
class SearchMutation:
    pass
