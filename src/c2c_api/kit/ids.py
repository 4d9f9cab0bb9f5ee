"""Relay global ids ("Type:uuid", base64): the UUID inside an id of an expected type.

An id of another type (a Question id where a Listing id is expected) is treated like an id
that does not exist: callers raise their NOT_FOUND error, never act on the other row.
"""

from __future__ import annotations

import uuid
from typing import Protocol


class GlobalIdLike(Protocol):
    """strawberry.relay.GlobalID, as far as we read it."""

    @property
    def type_name(self) -> str: ...

    @property
    def node_id(self) -> str: ...


def node_uuid(global_id: GlobalIdLike, *type_names: str) -> uuid.UUID | None:
    """The UUID inside `global_id` when it names one of `type_names`; None otherwise."""
    if global_id.type_name not in type_names:
        return None
    try:
        return uuid.UUID(global_id.node_id)
    except ValueError:
        return None
