"""Password hashing with Argon2id (argon2-cffi); slow on purpose, so run it off the event loop."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from starlette.concurrency import run_in_threadpool

from c2c_api.i18n import translatable

_hasher = PasswordHasher()  # Argon2id, library defaults (RFC 9106 low-memory profile)

MIN_LENGTH = 10
MAX_LENGTH = 256


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return translatable(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        return translatable(f"Use at most {MAX_LENGTH} characters.")
    if email and password.lower() == email.lower():
        return translatable("Do not use your e-mail address as password.")
    if len(set(password)) < 4:
        return translatable("Use more different characters.")
    return None


def hash_password_sync(password: str) -> str:
    return _hasher.hash(password)


def verify_password_sync(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


async def hash_password(password: str) -> str:
    """Argon2id hash, computed in a worker thread."""
    return await run_in_threadpool(hash_password_sync, password)


async def verify_password(stored_hash: str, password: str) -> bool:
    """Check a password against its hash, in a worker thread."""
    return await run_in_threadpool(verify_password_sync, stored_hash, password)


# A hash to verify against when the account does not exist, so timing does not reveal it.
DUMMY_HASH = hash_password_sync("not-a-real-password-0123456789")
