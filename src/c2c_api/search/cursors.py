"""Opaque, signed keyset cursors: the sort key values and the id of the last row of a page.

A cursor is base64url(JSON) + "." + base64url(HMAC-SHA256 truncated to 16 bytes), keyed by a
key derived from settings.secret_key. The payload also carries a fingerprint of the sort, the
query words and the point (what the key values depend on): a cursor used with another sort or
another text is refused like a tampered one, with INVALID_CURSOR.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from c2c_api.search.errors import InvalidCursor

_MAX_CURSOR = 1000


def _key(secret: str) -> bytes:
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
    payload = json.dumps([scope, values], separators=(",", ":")).encode()
    mac = hmac.new(_key(secret), payload, hashlib.sha256).digest()[:16]
    return f"{_b64(payload)}.{_b64(mac)}"


def decode(secret: str, scope: str, cursor: str) -> list[Any]:
    """The values a cursor carries; InvalidCursor unless we issued it for this `scope`."""
    try:
        if len(cursor) > _MAX_CURSOR:
            raise ValueError("too long")
        body, _, mac = cursor.partition(".")
        payload = _unb64(body)
        expected = hmac.new(_key(secret), payload, hashlib.sha256).digest()[:16]
        if not hmac.compare_digest(expected, _unb64(mac)):
            raise ValueError("bad signature")
        got_scope, values = json.loads(payload)
        if got_scope != scope or not isinstance(values, list):
            raise ValueError("another search")
        return values
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursor(fields=["after"]) from exc
