"""Random tokens and their stored digests (we never store a bearer secret in clear)."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token."""
    return secrets.token_urlsafe(nbytes)


def digest(token: str) -> str:
    """SHA-256 hex digest of a high-entropy token, for storage and lookup."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_digest(token: str, stored_digest: str) -> bool:
    """Constant-time comparison of a presented token with a stored digest."""
    return hmac.compare_digest(digest(token), stored_digest)
