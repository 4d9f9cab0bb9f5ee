"""Sign-up, sign-in and password change: the one copy of each, used by GraphQL and the pages.

Each is a use case that records its attempt apart (`Database.record_apart`: committed before
the check, so that a refusal stays counted and parallel guesses cannot all pass the count),
then runs its change in one unit of work. `then(session, member)` runs in that same unit of
work: the hosted pages open a login session there, so the account and its session are
committed together.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.auth import throttle
from c2c_api.auth.sessions import login_rule
from c2c_api.authz import Actor
from c2c_api.db import Database
from c2c_api.errors import AccountSuspended, DomainError, InvalidCredentials, RateLimited
from c2c_api.kit.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from c2c_api.users import service
from c2c_api.users.models import Member, MemberStatus

T = TypeVar("T")
Then = Callable[[AsyncSession, Member], Awaitable[T]]


def login_key(raw_email: str) -> str:
    """The per-account throttle key: the address as the account lookup normalises it (IDNA,
    full-width letters…), so that spelling variants of one address share one count."""
    try:
        return service.normalize_email(raw_email)
    except DomainError:
        return raw_email.strip().lower()[:254]


async def sign_up(
    db: Database,
    *,
    email: str,
    password: str,
    display_name: str,
    address: str,
    locale: str = "en",
    storefront: str | None = None,
    partner_id: uuid.UUID | None = None,
    then: Then[T] | None = None,
) -> tuple[Member, T | None]:
    """Create a member account (throttled per address and e-mail; the attempt stays counted
    when the sign-up is refused, e.g. EMAIL_TAKEN), queueing its verification e-mail."""
    settings = db.settings
    await db.record_apart(
        lambda s: service.claim_sign_up_attempt(s, email=email, address=address, settings=settings)
    )
    async with db.transaction() as session:
        if storefront is not None:
            from c2c_api.partners.service import storefront_id

            partner_id = await storefront_id(session, slug=storefront)
        member = await service.sign_up(
            session,
            email=email,
            password=password,
            display_name=display_name,
            locale=locale,
            partner_id=partner_id,
            settings=settings,
        )
        extra = await then(session, member) if then is not None else None
    return member, extra


async def sign_in(
    db: Database, *, email: str, password: str, address: str, then: Then[T]
) -> tuple[Member, T]:
    """Check an e-mail and password (throttled), then run `then` in the sign-in's unit of work.

    RateLimited, InvalidCredentials (unknown address and wrong password alike: the same
    answer, after the same work) or AccountSuspended.
    """
    settings = db.settings
    key = login_key(email)
    attempt = await db.record_apart(
        lambda s: throttle.claim(s, login_rule(settings), subject=key, address=address)
    )
    if attempt is None:
        raise RateLimited()
    async with db.sessionmaker() as session:
        member = await service.get_member_by_email(session, email) if key else None
    ok = await verify_password(member.password_hash if member else DUMMY_HASH, password)
    if not ok or member is None:
        raise InvalidCredentials()
    if member.status != MemberStatus.ACTIVE:
        raise AccountSuspended()
    async with db.transaction() as session:
        fresh = await session.get(Member, member.id)
        if fresh is None or fresh.status != MemberStatus.ACTIVE:
            raise AccountSuspended()
        await throttle.succeeded(session, attempt)
        if needs_rehash(fresh.password_hash):
            fresh.password_hash = await hash_password(password)
            session.add(fresh)
        extra = await then(session, fresh)
    return fresh, extra


async def change_password(
    db: Database, actor: Actor, *, current_password: str, new_password: str
) -> Member:
    """Change the caller's password (wrong current passwords throttled like sign-ins); every
    token and login session of the member is revoked."""
    settings = db.settings
    attempt = await db.record_apart(
        lambda s: service.claim_password_check(s, actor, settings=settings)
    )
    try:
        async with db.transaction() as session:
            member = await service.change_password(
                session, actor, current_password=current_password, new_password=new_password
            )
            await throttle.succeeded(session, attempt)
    except InvalidCredentials:
        raise
    except DomainError:
        # The current password was right (the new one was refused): the check no longer counts.
        await db.record_apart(lambda s: throttle.succeeded(s, attempt))
        raise
    return member
