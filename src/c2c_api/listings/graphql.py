"""GraphQL entry points of the listings domain."""

from __future__ import annotations

import strawberry


@strawberry.type
class ListingQuery:
    pass


@strawberry.type
class ListingMutation:
    pass
