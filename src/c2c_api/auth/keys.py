"""JWT signing keys: created on first use, kept encrypted in the database, rotatable.

The private key is stored as a PKCS#8 PEM encrypted with a password derived from
C2C_SECRET_KEY (`cryptography`'s BestAvailableEncryption). Retired keys stay published in the
JWKS until the last token they signed has expired.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy.orm import Session
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.auth.models import SigningKey
from c2c_api.config import Settings
from c2c_api.kit.clock import utcnow

ALGORITHM = "RS256"
KEY_BITS = 2048


def _password(settings: Settings) -> bytes:
    # A dedicated derivation, so the PEM password is not the raw secret used elsewhere.
    return hashlib.sha256(b"c2c-api signing key v1:" + settings.secret_key.encode()).digest()


def max_token_ttl(settings: Settings) -> int:
    """The longest lifetime of a token we sign (how long a retired key must stay published)."""
    return max(settings.access_token_ttl, settings.client_credentials_token_ttl)


def published_until(key: SigningKey, settings: Settings) -> datetime | None:
    """When a retired key leaves the JWKS (None: it is the current key)."""
    if key.retired_at is None:
        return None
    return key.retired_at + timedelta(
        seconds=max_token_ttl(settings) + settings.signing_key_rotation_grace
    )


def new_signing_key(settings: Settings) -> SigningKey:
    """Generate an RSA key pair as a SigningKey row (not yet added to a session)."""
    kid = f"{utcnow():%Y%m%d}-{secrets.token_hex(4)}"
    key = RSAKey.generate_key(KEY_BITS, parameters={"kid": kid, "alg": ALGORITHM, "use": "sig"})
    private_pem = key.private_key.private_bytes(  # type: ignore[union-attr]
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.BestAvailableEncryption(_password(settings)),
    ).decode()
    public_jwk = {k: str(v) for k, v in key.as_dict(private=False).items()}
    return SigningKey(kid=kid, algorithm=ALGORITHM, private_pem=private_pem, public_jwk=public_jwk)


def _private_key(row: SigningKey, settings: Settings) -> RSAKey:
    return RSAKey.import_key(
        row.private_pem,
        parameters={"kid": row.kid, "alg": row.algorithm, "use": "sig"},
        password=_password(settings),
    )


def _public_key(row: SigningKey) -> RSAKey:
    return RSAKey.import_key(dict(row.public_jwk))


def _current_query() -> sa.Select[Any]:
    return (
        sa.select(SigningKey)
        .where(col(SigningKey.retired_at).is_(None))
        .order_by(col(SigningKey.created_at).desc())
        .limit(1)
    )


# pg_advisory_xact_lock key serializing the creation of the first signing key.
FIRST_KEY_LOCK = 0x63326341_00000001


def _create_first_key(session: Session, settings: Settings) -> SigningKey:
    """Create the first signing key, once, even when several processes start signing at once.

    On PostgreSQL the creators queue on a transaction-scoped advisory lock and look again once
    they hold it (READ COMMITTED: the winner's key is then visible). On SQLite the token
    endpoint's transactions take the write lock when they begin, so they are serialized already.
    Should two keys still both be current, both are published and tokens of either verify.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(FIRST_KEY_LOCK)))
        row = session.execute(_current_query()).scalars().first()
        if row is not None:
            return row
    row = new_signing_key(settings)
    session.add(row)
    session.flush()
    return row


@dataclass
class _Signer:
    kid: str
    key: RSAKey


class KeyStore:
    """Per-process cache of keys: decrypted signing key, public keys by kid."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._signer: _Signer | None = None
        self._public: dict[str, RSAKey] = {}

    def clear(self) -> None:
        with self._lock:
            self._signer = None
            self._public = {}

    # -- signing (sync: runs in authlib's worker thread) --------------------------------

    def signing_key(self, session: Session, settings: Settings) -> RSAKey:
        """The current signing key; created on first use. One small query per call, so a
        rotation made by another process is seen at once."""
        row = session.execute(_current_query()).scalars().first()
        if row is None:
            row = _create_first_key(session, settings)
        with self._lock:
            if self._signer is not None and self._signer.kid == row.kid:
                return self._signer.key
        key = _private_key(row, settings)
        with self._lock:
            self._signer = _Signer(row.kid, key)
            self._public.setdefault(row.kid, _public_key(row))
        return key

    # -- verification ---------------------------------------------------------------------

    def cached_public_key(self, kid: str) -> RSAKey | None:
        with self._lock:
            return self._public.get(kid)

    def _remember(self, rows: list[SigningKey]) -> None:
        with self._lock:
            for row in rows:
                self._public.setdefault(row.kid, _public_key(row))

    async def public_key(self, session: AsyncSession, kid: str) -> RSAKey | None:
        """The public key `kid`, reloading the keys from the database when it is unknown."""
        key = self.cached_public_key(kid)
        if key is None:
            rows = list((await session.exec(sa.select(SigningKey))).scalars())  # type: ignore[call-overload]
            self._remember(rows)
            key = self.cached_public_key(kid)
        return key

    def public_key_sync(self, session: Session, kid: str) -> RSAKey | None:
        key = self.cached_public_key(kid)
        if key is None:
            self._remember(list(session.execute(sa.select(SigningKey)).scalars()))
            key = self.cached_public_key(kid)
        return key


keystore = KeyStore()


# -- management (CLI, JWKS) -------------------------------------------------------------


async def rotate_keys(session: AsyncSession, settings: Settings) -> SigningKey:
    """Create a new current key and retire the others (still published until they expire)."""
    now = utcnow()
    await session.exec(
        sa.update(SigningKey).where(col(SigningKey.retired_at).is_(None)).values(retired_at=now)
    )
    row = new_signing_key(settings)
    session.add(row)
    await session.flush()
    return row


async def list_keys(session: AsyncSession) -> list[SigningKey]:
    rows = await session.exec(sa.select(SigningKey).order_by(col(SigningKey.created_at)))  # type: ignore[call-overload]
    return list(rows.scalars())


def is_published(row: SigningKey, settings: Settings) -> bool:
    until = published_until(row, settings)
    return until is None or until > utcnow()


async def published_jwks(session: AsyncSession, settings: Settings) -> dict[str, Any]:
    """The JWKS document: the current key and retired keys whose tokens may still be valid."""
    rows = [row for row in await list_keys(session) if is_published(row, settings)]
    rows.sort(key=lambda r: (r.retired_at is not None, r.created_at), reverse=False)
    return {"keys": [dict(row.public_jwk) for row in rows]}


def keyset(rows: list[SigningKey]) -> KeySet:
    return KeySet([_public_key(r) for r in rows])
