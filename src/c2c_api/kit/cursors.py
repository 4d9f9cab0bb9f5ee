"""Opaque, signed pagination cursors: one codec for every paginated list.

A cursor is base64url(JSON [scope, values]) + "." + base64url(HMAC-SHA256 truncated to 16
bytes), keyed by a key derived from settings.secret_key. The scope says what the cursor is valid
for: a search (a fingerprint of its sort, words and point, see c2c_api.search.cursors) or one
keyset connection (`Query.myFavorites`, `Listing.questions`, …). A cursor presented to another
scope, modified, or forged is refused like any cursor we did not issue (CursorError; callers
turn it into the typed INVALID_CURSOR error).

Keyset connections page newest- or oldest-first on (created_at, id): `encode_position` and
`decode_position` carry that pair (UTC, bounded years, a real UUID).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from typing import Any

MAX_CURSOR = 1000
# Cursors we issue carry real row times; anything outside these years was not ours.
_CURSOR_YEARS = range(1900, 9000)

Position = tuple[datetime, uuid.UUID]


class CursorError(ValueError):
    """Not a cursor we issued for this scope."""


def _key(secret: str) -> bytes:
    # The label predates the other scopes (search was first): kept so issued cursors stay valid.
    return hashlib.sha256(b"c2c-api search cursor v1\x00" + secret.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fingerprint(*parts: object) -> str:
    """A short digest of what a cursor is only valid with."""
    raw = json.dumps(parts, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def encode(secret: str, scope: str, values: list[Any]) -> str:
    """A cursor carrying `values`, valid for `scope` only."""
    payload = json.dumps([scope, values], separators=(",", ":")).encode()
    mac = hmac.new(_key(secret), payload, hashlib.sha256).digest()[:16]
    return f"{_b64(payload)}.{_b64(mac)}"


def decode(secret: str, scope: str, cursor: str) -> list[Any]:
    """The values a cursor carries; CursorError unless we issued it for this `scope`."""
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError("too long")
        body, _, mac = cursor.partition(".")
        payload = _unb64(body)
        expected = hmac.new(_key(secret), payload, hashlib.sha256).digest()[:16]
        if not hmac.compare_digest(expected, _unb64(mac)):
            raise ValueError("bad signature")
        got_scope, values = json.loads(payload)
        if got_scope != scope or not isinstance(values, list):
            raise ValueError("another scope")
        return values
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise CursorError(str(exc)) from exc


def encode_position(secret: str, scope: str, created_at: datetime, ident: uuid.UUID) -> str:
    """A keyset cursor pointing at the row (created_at, ident) of the connection `scope`."""
    return encode(secret, scope, [created_at.astimezone(UTC).isoformat(), str(ident)])


def decode_position(secret: str, scope: str, cursor: str) -> Position:
    """The (created_at in UTC, id) a keyset cursor points at; CursorError if not ours."""
    values = decode(secret, scope, cursor)
    try:
        stamp, ident = values
        if not isinstance(stamp, str) or not isinstance(ident, str):
            raise TypeError("not strings")
        created_at = datetime.fromisoformat(stamp)
        if created_at.tzinfo is None:
            raise ValueError("naive")
        # Inside the try: an offset can push a stamp past year 1 or 9999 (OverflowError).
        created_at = created_at.astimezone(UTC)
        if created_at.year not in _CURSOR_YEARS:
            raise ValueError("out of range")
        return created_at, uuid.UUID(ident)
    except (ValueError, TypeError, OverflowError) as exc:
        raise CursorError(str(exc)) from exc
