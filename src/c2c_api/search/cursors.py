"""Signed search cursors: the sort key values and the id of the last row of a page.

The codec is c2c_api.kit.cursors (shared by every paginated list). A search cursor's scope is
a fingerprint of the sort, the query words and the point (what the key values depend on): a
cursor used with another sort or another text is refused like a tampered one, with
INVALID_CURSOR.
"""

from __future__ import annotations

from typing import Any

from c2c_api.kit import cursors as codec
from c2c_api.kit.cursors import encode, fingerprint
from c2c_api.search.errors import InvalidCursor

__all__ = ["decode", "encode", "fingerprint"]


def decode(secret: str, scope: str, cursor: str) -> list[Any]:
    """The values a cursor carries; InvalidCursor unless we issued it for this `scope`."""
    try:
        return codec.decode(secret, scope, cursor)
    except codec.CursorError as exc:
        raise InvalidCursor(fields=["after"]) from exc
