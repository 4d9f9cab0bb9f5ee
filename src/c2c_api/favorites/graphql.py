"""GraphQL entry points of the favorites domain."""

from __future__ import annotations

import strawberry


@strawberry.type
class FavoriteQuery:
    pass


@strawberry.type
class FavoriteMutation:
    pass
