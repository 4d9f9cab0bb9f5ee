"""Member use cases: sign-up, e-mail verification, passwords, profile, reads.

Settings (issuer for links, token lifetimes) come from an optional keyword `settings`; when it is
omitted, `c2c_api.config.get_settings()` is used. Transports that hold settings (GraphQL context,
CLI) pass theirs; every use case that needs settings takes the keyword the same way.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.auth import throttle
from c2c_api.auth.grants import revoke_member_grants
from c2c_api.authz import Actor, require_member
from c2c_api.config import Settings, get_settings
from c2c_api.errors import (
    AccountSuspended,
    EmailTaken,
    InvalidCredentials,
    InvalidEmailToken,
    InvalidInput,
    InvalidState,
    NotFound,
    RateLimited,
    WeakPassword,
)
from c2c_api.i18n import SUPPORTED_LOCALES, translatable
from c2c_api.kit.clock import utcnow
from c2c_api.kit.countries import is_country_code
from c2c_api.kit.passwords import hash_password, password_problem, verify_password
from c2c_api.kit.secrets import digest, new_token
from c2c_api.partners.models import Partner, PartnerStatus
from c2c_api.users import emails
from c2c_api.users.mail import queue_mail
from c2c_api.users.models import EmailToken, EmailTokenPurpose, Member, MemberStatus

DISPLAY_NAME_MAX = 60
BIO_MAX = 2000
AVATAR_URL_MAX = 500
CITY_MAX = 100
EMAIL_MAX = 254
TOKEN_MAX = 128
# At most this many e-mails of one kind (verification, reset) per member and hour.
EMAILS_PER_HOUR = 5

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Multi-line text (a bio) keeps tabs and line breaks.
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --- validation ------------------------------------------------------------------------------


def normalize_email(raw: str) -> str:
    """The canonical form of an e-mail address (syntax checked, lowercase), or InvalidInput."""
    candidate = raw.strip()
    if not candidate or len(candidate) > EMAIL_MAX:
        raise InvalidInput("Enter a valid e-mail address.", fields=["email"])
    try:
        valid = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput("Enter a valid e-mail address.", fields=["email"]) from exc
    return valid.normalized.lower()


class _Problems:
    """Field problems collected before raising one InvalidInput."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.items.setdefault(field, message)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        fields = list(self.items)
        if len(fields) == 1:
            raise InvalidInput(self.items[fields[0]], fields=fields, context=dict(self.items))
        raise InvalidInput("Several fields are not valid.", fields=fields, context=self.items)


def _clean_display_name(value: str, problems: _Problems) -> str:
    name = unicodedata.normalize("NFC", value).strip()
    if not name:
        problems.add("displayName", translatable("Enter a display name."))
    elif len(name) > DISPLAY_NAME_MAX:
        problems.add("displayName", translatable(f"Use at most {DISPLAY_NAME_MAX} characters."))
    elif _CONTROL.search(name):
        problems.add("displayName", translatable("Remove the control characters."))
    return name


def _clean_locale(value: str, problems: _Problems) -> str:
    locale = value.strip().lower()
    if locale not in SUPPORTED_LOCALES:
        problems.add("locale", translatable("Choose a supported language: en or fr."))
    return locale


def _clean_bio(value: str, problems: _Problems) -> str:
    bio = value.strip()
    if len(bio) > BIO_MAX:
        problems.add("bio", translatable(f"Use at most {BIO_MAX} characters."))
    elif _CONTROL_BUT_LINES.search(bio):
        problems.add("bio", translatable("Remove the control characters."))
    return bio


def _clean_avatar_url(value: str, problems: _Problems) -> str | None:
    url = value.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if (
        len(url) > AVATAR_URL_MAX
        or parts.scheme != "https"
        or not parts.hostname
        or _CONTROL.search(url)
    ):
        problems.add(
            "avatarUrl", translatable("Use an https:// address of at most 500 characters.")
        )
    return url


def _clean_country(value: str, problems: _Problems) -> str | None:
    code = value.strip().upper()
    if not code:
        return None
    # pycountry carries the ISO 3166-1 list itself (only assigned codes, no regions like EU).
    if not is_country_code(code):
        problems.add("country", translatable("Use an ISO 3166-1 alpha-2 country code, such as FR."))
    return code


def _clean_city(value: str, problems: _Problems) -> str | None:
    city = value.strip()
    if not city:
        return None
    if len(city) > CITY_MAX:
        problems.add("city", translatable(f"Use at most {CITY_MAX} characters."))
    elif _CONTROL.search(city):
        problems.add("city", translatable("Remove the control characters."))
    return city


def _check_new_password(password: str, *, email: str, field: str) -> None:
    problem = password_problem(password, email=email)
    if problem is not None:
        raise WeakPassword(problem, fields=[field])


# --- reads -----------------------------------------------------------------------------------


async def get_members(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Member]:
    """Members by id (public profiles are visible to every caller)."""
    if not ids:
        return {}
    rows = await session.exec(select(Member).where(col(Member.id).in_(ids)))
    return {m.id: m for m in rows}


async def get_member_or_raise(session: AsyncSession, member_id: uuid.UUID) -> Member:
    member = await session.get(Member, member_id)
    if member is None:
        raise NotFound()
    return member


async def get_member_by_email(session: AsyncSession, email: str) -> Member | None:
    """The member with this address (any case, surrounding spaces ignored), or None."""
    try:
        normalized = normalize_email(email)
    except InvalidInput:
        return None
    return (await session.exec(select(Member).where(Member.email == normalized))).first()


async def list_members_of_partner(
    session: AsyncSession,
    *,
    partner_id: uuid.UUID,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> list[Member]:
    """Members who joined through a storefront, oldest first, keyset-paginated.

    No access check here: callers (partners/service.py) decide who may list them.
    """
    query = select(Member).where(Member.partner_id == partner_id)
    if after is not None:
        created_at, member_id = after
        query = query.where(
            sa.tuple_(col(Member.created_at), col(Member.id)) > sa.tuple_(created_at, member_id)
        )
    query = query.order_by(col(Member.created_at), col(Member.id)).limit(limit)
    return list(await session.exec(query))


# --- sign-up ---------------------------------------------------------------------------------


async def _check_storefront(session: AsyncSession, partner_id: uuid.UUID | None) -> None:
    if partner_id is None:
        return
    partner = await session.get(Partner, partner_id)
    if partner is None or partner.status != PartnerStatus.ACTIVE:
        raise InvalidInput("This storefront does not exist.", fields=["storefront"])


async def _insert_member(session: AsyncSession, member: Member) -> Member:
    """Insert in a savepoint: a concurrent sign-up that won the unique index -> EmailTaken."""
    existing = (await session.exec(select(Member.id).where(Member.email == member.email))).first()
    if existing is not None:
        raise EmailTaken(fields=["email"])
    try:
        async with session.begin_nested():
            session.add(member)
            await session.flush()
    except IntegrityError as exc:
        raise EmailTaken(fields=["email"]) from exc
    return member


async def create_member(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    display_name: str,
    locale: str = "en",
    partner_id: uuid.UUID | None = None,
    is_operator: bool = False,
    email_verified: bool = False,
) -> Member:
    """Create an account without sending anything (CLI, demo data); validated like sign-up."""
    problems = _Problems()
    normalized = ""
    try:
        normalized = normalize_email(email)
    except InvalidInput as exc:
        problems.add("email", exc.message)
    name = _clean_display_name(display_name, problems)
    clean_locale = _clean_locale(locale, problems)
    problems.raise_if_any()
    _check_new_password(password, email=normalized, field="password")
    await _check_storefront(session, partner_id)
    now = utcnow()
    member = Member(
        email=normalized,
        password_hash=await hash_password(password),
        display_name=name,
        locale=clean_locale,
        partner_id=partner_id,
        is_operator=is_operator,
        email_verified_at=now if email_verified else None,
        created_at=now,
        updated_at=now,
    )
    return await _insert_member(session, member)


def signup_rule(settings: Settings) -> throttle.Rule:
    """Sign-up attempts allowed per target e-mail and per client address (every attempt counts)."""
    return throttle.Rule(
        kind="signup",
        max_per_subject=settings.signup_max_attempts_per_email,
        max_per_address=settings.signup_max_attempts_per_address,
        window=settings.signup_throttle_window,
        reset_on_success=False,
    )


def _email_key(raw: str) -> str:
    try:
        return normalize_email(raw)
    except InvalidInput:
        return raw.strip().lower()[:EMAIL_MAX]


async def claim_sign_up_attempt(
    session: AsyncSession, *, email: str, address: str, settings: Settings | None = None
) -> None:
    """Count one sign-up attempt for this e-mail and client address, or raise RateLimited.

    Call it before `sign_up`, outside the transaction (or savepoint) that a refused sign-up rolls
    back: the attempt must stay counted when the sign-up fails (e.g. with EMAIL_TAKEN).
    """
    rule = signup_rule(settings or get_settings())
    key = "" if _CONTROL.search(email) else _email_key(email)
    if await throttle.claim(session, rule, subject=key, address=address) is None:
        raise RateLimited()


async def sign_up(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    display_name: str,
    locale: str = "en",
    partner_id: uuid.UUID | None = None,
    settings: Settings | None = None,
) -> Member:
    """Create a member account and queue the e-mail that verifies its address."""
    member = await create_member(
        session,
        email=email,
        password=password,
        display_name=display_name,
        locale=locale,
        partner_id=partner_id,
    )
    await _send_verification(session, member, settings or get_settings())
    return member


# --- e-mail tokens ---------------------------------------------------------------------------


async def _recent_tokens(session: AsyncSession, member: Member, purpose: EmailTokenPurpose) -> int:
    since = utcnow() - timedelta(hours=1)
    count = await session.exec(
        select(func.count())
        .select_from(EmailToken)
        .where(
            EmailToken.member_id == member.id,
            EmailToken.purpose == purpose,
            col(EmailToken.created_at) > since,
        )
    )
    return int(count.one())


async def _issue_token(
    session: AsyncSession, member: Member, purpose: EmailTokenPurpose, ttl_seconds: int
) -> str:
    """A new single-use token; only its digest is stored."""
    token = new_token()
    now = utcnow()
    session.add(
        EmailToken(
            token_digest=digest(token),
            member_id=member.id,
            purpose=purpose,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_seconds),
        )
    )
    await session.flush()
    return token


async def _valid_token(
    session: AsyncSession, *, token: str, purpose: EmailTokenPurpose
) -> EmailToken:
    """The unused, unexpired token row for a presented token, or InvalidEmailToken."""
    token = token.strip()
    if not token or len(token) > TOKEN_MAX:
        raise InvalidEmailToken(fields=["token"])
    row = (
        await session.exec(
            select(EmailToken).where(
                EmailToken.token_digest == digest(token), EmailToken.purpose == purpose
            )
        )
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise InvalidEmailToken(fields=["token"])
    return row


async def _claim_token(session: AsyncSession, row: EmailToken) -> None:
    """Mark a token used, atomically: of two concurrent uses, one fails."""
    claimed = await session.exec(
        sa.update(EmailToken)
        .where(col(EmailToken.id) == row.id, col(EmailToken.used_at).is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise InvalidEmailToken(fields=["token"])
    await session.refresh(row)


async def _retire_tokens(session: AsyncSession, member: Member, purpose: EmailTokenPurpose) -> None:
    """Every other outstanding token of this purpose stops working."""
    await session.exec(
        sa.update(EmailToken)
        .where(
            col(EmailToken.member_id) == member.id,
            col(EmailToken.purpose) == purpose,
            col(EmailToken.used_at).is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def _send_verification(session: AsyncSession, member: Member, settings: Settings) -> None:
    token = await _issue_token(
        session, member, EmailTokenPurpose.VERIFY_EMAIL, settings.email_token_ttl
    )
    text = emails.render(
        "verify_email",
        member.locale,
        name=member.display_name,
        link=emails.account_link(settings.issuer, emails.VERIFY_EMAIL_PATH, token),
        hours=max(1, settings.email_token_ttl // 3600),
    )
    await queue_mail(session, to=member.email, subject=text.subject, body_text=text.body)


async def verify_email(session: AsyncSession, *, token: str) -> Member:
    """Confirm a member's address with the token of a verification e-mail."""
    row = await _valid_token(session, token=token, purpose=EmailTokenPurpose.VERIFY_EMAIL)
    await _claim_token(session, row)
    member = await get_member_or_raise(session, row.member_id)
    await _retire_tokens(session, member, EmailTokenPurpose.VERIFY_EMAIL)
    if member.email_verified_at is None:
        member.email_verified_at = utcnow()
        member.updated_at = utcnow()
        session.add(member)
    await session.flush()
    return member


async def request_email_verification(
    session: AsyncSession, actor: Actor, *, settings: Settings | None = None
) -> None:
    """Send the caller a new verification e-mail."""
    member = await get_member_or_raise(session, require_member(actor))
    if member.email_verified:
        raise InvalidState("This e-mail address is already verified.")
    if await _recent_tokens(session, member, EmailTokenPurpose.VERIFY_EMAIL) >= EMAILS_PER_HOUR:
        raise RateLimited()
    await _send_verification(session, member, settings or get_settings())


# --- passwords -------------------------------------------------------------------------------


async def request_password_reset(
    session: AsyncSession, *, email: str, settings: Settings | None = None
) -> None:
    """E-mail a reset link when the account exists; silent otherwise (no account enumeration)."""
    settings = settings or get_settings()
    normalized = normalize_email(email)
    member = (await session.exec(select(Member).where(Member.email == normalized))).first()
    if member is None or member.status != MemberStatus.ACTIVE:
        return
    if await _recent_tokens(session, member, EmailTokenPurpose.RESET_PASSWORD) >= EMAILS_PER_HOUR:
        return
    token = await _issue_token(
        session, member, EmailTokenPurpose.RESET_PASSWORD, settings.password_reset_ttl
    )
    text = emails.render(
        "reset_password",
        member.locale,
        name=member.display_name,
        link=emails.account_link(settings.issuer, emails.RESET_PASSWORD_PATH, token),
        minutes=max(1, settings.password_reset_ttl // 60),
    )
    await queue_mail(session, to=member.email, subject=text.subject, body_text=text.body)


async def _set_password(session: AsyncSession, member: Member, new_password: str) -> None:
    member.password_hash = await hash_password(new_password)
    member.updated_at = utcnow()
    session.add(member)
    await session.flush()
    await revoke_member_grants(session, member_id=member.id)
    text = emails.render("password_changed", member.locale, name=member.display_name)
    await queue_mail(session, to=member.email, subject=text.subject, body_text=text.body)


async def reset_password(session: AsyncSession, *, token: str, new_password: str) -> Member:
    """Set a new password with the token of a reset e-mail; signs the member out everywhere."""
    row = await _valid_token(session, token=token, purpose=EmailTokenPurpose.RESET_PASSWORD)
    member = await get_member_or_raise(session, row.member_id)
    if member.status != MemberStatus.ACTIVE:
        raise AccountSuspended()
    # Checked before the token is used, so that a refused password leaves the link working.
    _check_new_password(new_password, email=member.email, field="newPassword")
    await _claim_token(session, row)
    await _retire_tokens(session, member, EmailTokenPurpose.RESET_PASSWORD)
    # Opening the link proved the member reads this mailbox.
    if member.email_verified_at is None:
        member.email_verified_at = utcnow()
    await _set_password(session, member, new_password)
    return member


def password_check_rule(settings: Settings) -> throttle.Rule:
    """Wrong current passwords allowed per member (changePassword), like failed sign-ins."""
    limit = settings.login_max_failures_per_account
    return throttle.Rule(
        kind="password",
        max_per_subject=limit,
        max_per_address=limit,
        window=settings.login_throttle_window,
    )


async def claim_password_check(
    session: AsyncSession, actor: Actor, *, settings: Settings | None = None
) -> uuid.UUID:
    """Count one check of the caller's current password, or raise RateLimited.

    Call it outside the savepoint a refused change rolls back, and mark the attempt with
    `throttle.succeeded` once the current password proved right.
    """
    member_id = str(require_member(actor))
    rule = password_check_rule(settings or get_settings())
    attempt = await throttle.claim(session, rule, subject=member_id, address=member_id)
    if attempt is None:
        raise RateLimited()
    return attempt


async def change_password(
    session: AsyncSession, actor: Actor, *, current_password: str, new_password: str
) -> Member:
    """Change the caller's password; every token and login session of the member is revoked."""
    member = await get_member_or_raise(session, require_member(actor))
    if not await verify_password(member.password_hash, current_password):
        raise InvalidCredentials("The current password is wrong.", fields=["currentPassword"])
    _check_new_password(new_password, email=member.email, field="newPassword")
    await _set_password(session, member, new_password)
    return member


# --- profile and roles -----------------------------------------------------------------------


async def update_profile(
    session: AsyncSession,
    actor: Actor,
    *,
    display_name: str | None = None,
    bio: str | None = None,
    avatar_url: str | None = None,
    locale: str | None = None,
    country: str | None = None,
    city: str | None = None,
) -> Member:
    """Change the caller's own profile; only the given fields change ("" clears optional ones)."""
    member = await get_member_or_raise(session, require_member(actor))
    problems = _Problems()
    changes: dict[str, object] = {}
    if display_name is not None:
        changes["display_name"] = _clean_display_name(display_name, problems)
    if bio is not None:
        changes["bio"] = _clean_bio(bio, problems)
    if avatar_url is not None:
        changes["avatar_url"] = _clean_avatar_url(avatar_url, problems)
    if locale is not None:
        changes["locale"] = _clean_locale(locale, problems)
    if country is not None:
        changes["country"] = _clean_country(country, problems)
    if city is not None:
        changes["city"] = _clean_city(city, problems)
    problems.raise_if_any()
    for name, value in changes.items():
        setattr(member, name, value)
    member.updated_at = utcnow()
    session.add(member)
    await session.flush()
    return member


async def set_operator(session: AsyncSession, *, email: str, is_operator: bool = True) -> Member:
    """Grant or withdraw the operator role (platform staff); CLI only."""
    member = await get_member_by_email(session, email)
    if member is None:
        raise NotFound(f"no member with e-mail {email!r}")
    member.is_operator = is_operator
    member.updated_at = utcnow()
    session.add(member)
    await session.flush()
    return member
