"""GraphQL entry points of the photos domain."""

from __future__ import annotations

import strawberry


@strawberry.type
class PhotoQuery:
    pass


@strawberry.type
class PhotoMutation:
    pass
