"""Login sessions of the hosted pages, CSRF tokens and login throttling."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from c2c_api.auth import throttle
from c2c_api.auth.models import LoginAttempt, LoginSession
from c2c_api.config import Settings
from c2c_api.kit.clock import utcnow
from c2c_api.kit.secrets import digest, new_token
from c2c_api.users.models import Member, MemberStatus

SESSION_COOKIE = "c2c_session"
CSRF_COOKIE = "c2c_csrf"
CSRF_FIELD = "csrf_token"


def _secure(settings: Settings) -> bool:
    return settings.issuer.startswith("https://")


def client_address(request: Request) -> str:
    return (request.client.host if request.client else "unknown")[:64]


# -- CSRF: a random cookie, and an HMAC of it in each form (signed double submit) ---------------
#
# The MAC also covers the login session cookie: a token is only good for the session it was
# rendered in, and the CSRF cookie is replaced at sign-in (a cookie planted before the sign-in,
# e.g. from a sibling subdomain, is useless after it). Over https the cookie is `__Host-`
# prefixed: Secure, Path=/, no Domain, so no subdomain can set or overwrite it.


def csrf_cookie_name(settings: Settings) -> str:
    return "__Host-" + CSRF_COOKIE if _secure(settings) else CSRF_COOKIE


def _csrf_mac(settings: Settings, cookie: str, session_token: str | None) -> str:
    key = hashlib.sha256(b"c2c-api csrf v2:" + settings.secret_key.encode()).digest()
    message = cookie.encode("utf-8", "replace") + b"\x00"
    message += (session_token or "").encode("utf-8", "replace")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _set_csrf_cookie(response: Response, settings: Settings, value: str) -> None:
    response.set_cookie(
        csrf_cookie_name(settings),
        value,
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
        path="/",
    )


@dataclass
class Csrf:
    """The CSRF token of a page; `cookie` is set on the response when it is new."""

    cookie: str
    is_new: bool
    settings: Settings
    session_token: str | None = None

    @property
    def token(self) -> str:
        return _csrf_mac(self.settings, self.cookie, self.session_token)

    def apply(self, response: Response) -> Response:
        if self.is_new:
            _set_csrf_cookie(response, self.settings, self.cookie)
        return response


def csrf_for(request: Request, settings: Settings) -> Csrf:
    session_token = request.cookies.get(SESSION_COOKIE)
    existing = request.cookies.get(csrf_cookie_name(settings))
    if existing and 20 <= len(existing) <= 100:
        return Csrf(existing, False, settings, session_token)
    return Csrf(new_token(24), True, settings, session_token)


def csrf_ok(request: Request, settings: Settings, submitted: object) -> bool:
    cookie = request.cookies.get(csrf_cookie_name(settings))
    if not cookie or not isinstance(submitted, str) or not submitted:
        return False
    # Bytes: compare_digest refuses str with non-ASCII characters (a TypeError, so a 500).
    expected = _csrf_mac(settings, cookie, request.cookies.get(SESSION_COOKIE)).encode()
    return hmac.compare_digest(expected, submitted.encode("utf-8", "replace"))


def rotate_csrf(response: Response, settings: Settings) -> None:
    """A new CSRF cookie (at sign-in): forms rendered before it stop working."""
    _set_csrf_cookie(response, settings, new_token(24))


# -- login sessions -----------------------------------------------------------------------------


async def start_session(
    session: AsyncSession, settings: Settings, *, member: Member, request: Request
) -> str:
    """Create a login session; returns the cookie value (we keep only its digest)."""
    token = new_token(32)
    now = utcnow()
    session.add(
        LoginSession(
            token_digest=digest(token),
            member_id=member.id,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.login_session_ttl),
            user_agent=(request.headers.get("user-agent") or "")[:255],
            address=client_address(request),
        )
    )
    await session.flush()
    return token


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.login_session_ttl,
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
        path="/",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(settings)
    )


def _session_query(token: str) -> Any:
    return (
        sa.select(LoginSession, Member)
        .join(Member, col(Member.id) == col(LoginSession.member_id))
        .where(
            col(LoginSession.token_digest) == digest(token),
            col(LoginSession.revoked_at).is_(None),
            col(LoginSession.expires_at) > utcnow(),
            col(Member.status) == MemberStatus.ACTIVE,
        )
    )


def current_login_sync(session: Session, token: str | None) -> tuple[LoginSession, Member] | None:
    """The live login session of a cookie and its (active) member, or None."""
    if not token or len(token) > 100:
        return None
    row = session.execute(_session_query(token)).first()
    if row is None:
        return None
    return row[0], row[1]


async def current_login(
    session: AsyncSession, token: str | None
) -> tuple[LoginSession, Member] | None:
    if not token or len(token) > 100:
        return None
    row = (await session.exec(_session_query(token))).first()
    if row is None:
        return None
    return row[0], row[1]


async def end_session(session: AsyncSession, token: str | None) -> None:
    if not token or len(token) > 100:
        return
    await session.exec(
        sa.update(LoginSession)
        .where(
            col(LoginSession.token_digest) == digest(token),
            col(LoginSession.revoked_at).is_(None),
        )
        .values(revoked_at=utcnow())
    )


# -- throttling (auth/throttle.py) ---------------------------------------------------------


def login_rule(settings: Settings) -> throttle.Rule:
    """Failed sign-ins allowed per account and per address within the window."""
    return throttle.Rule(
        kind="",
        max_per_subject=settings.login_max_failures_per_account,
        max_per_address=settings.login_max_failures_per_address,
        window=settings.login_throttle_window,
    )


async def is_throttled(
    session: AsyncSession, settings: Settings, *, email: str, address: str
) -> bool:
    """Too many failed attempts within the window, for this account or this address.

    A successful sign-in resets the account's count (failures before it no longer count for the
    account); the address's count is kept, so guessing from one address stays limited.
    """
    return await throttle.is_exceeded(session, login_rule(settings), subject=email, address=address)


async def record_attempt(
    session: AsyncSession, *, email: str, address: str, succeeded: bool
) -> None:
    """Record a finished sign-in attempt (tests and tools; the form claims with throttle.claim)."""
    session.add(
        LoginAttempt(
            id=uuid.uuid4(), email=email[:254], address=address, succeeded=succeeded, at=utcnow()
        )
    )
    await session.flush()
