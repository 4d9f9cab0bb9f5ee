"""Hosted pages: login, logout, sign-up, password reset, e-mail verification.

Server-rendered, no JavaScript, no external assets; every POST form carries a CSRF token.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from c2c_api.auth.messages import pick_locale, t
from c2c_api.auth.models import OAuthClient
from c2c_api.auth.oauth_request import has_control_characters
from c2c_api.auth.sessions import (
    CSRF_FIELD,
    SESSION_COOKIE,
    clear_session_cookie,
    client_address,
    csrf_for,
    csrf_ok,
    current_login,
    end_session,
    rotate_csrf,
    set_session_cookie,
    start_session,
)
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.errors import (
    AccountSuspended,
    DomainError,
    EmailTaken,
    InvalidCredentials,
    InvalidEmailToken,
    InvalidInput,
    RateLimited,
    WeakPassword,
)
from c2c_api.i18n import translate
from c2c_api.users import accounts
from c2c_api.users import service as users
from c2c_api.users.models import Member

_env = Environment(
    loader=PackageLoader("c2c_api.auth", "templates"),
    autoescape=select_autoescape(["html"]),
    auto_reload=False,
)

MAX_FORM_FIELD = 4096
# Fields checked as typed, whatever characters they hold (never stored as text).
SECRET_FIELDS = frozenset({"password"})


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def locale_of(request: Request, form: FormData | None = None) -> str:
    ui = (form.get("ui_locales") if form is not None else None) or request.query_params.get(
        "ui_locales"
    )
    return pick_locale(ui if isinstance(ui, str) else None, request.headers.get("accept-language"))


def render(
    request: Request,
    template: str,
    *,
    locale: str,
    title_key: str,
    status: int = 200,
    settings: Settings | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render a page; sets the CSRF cookie when the page has a form and none exists yet."""
    settings = settings or _db(request).settings
    csrf = csrf_for(request, settings)

    def tr(key: str, **params: object) -> str:
        return t(key, locale, **params)

    html = _env.get_template(template).render(
        t=tr, locale=locale, title=tr(title_key), csrf_token=csrf.token, **context
    )
    response = HTMLResponse(
        html,
        status_code=status,
        headers={
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            "Referrer-Policy": "no-referrer",
        },
    )
    csrf.apply(response)
    return response


def message_page(
    request: Request,
    *,
    locale: str,
    title_key: str,
    message: str = "",
    status: int = 200,
    error: str | None = None,
    link: str | None = None,
    link_text: str = "",
) -> HTMLResponse:
    return render(
        request,
        "message.html",
        locale=locale,
        title_key=title_key,
        status=status,
        message=message,
        error=error,
        link=link,
        link_text=link_text,
    )


def safe_next(value: object) -> str:
    """A local path to go back to after login, or "" (no open redirects)."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return ""
    if "\\" in value or any(ord(c) < 32 for c in value) or len(value) > MAX_FORM_FIELD:
        return ""
    return value


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return value[:MAX_FORM_FIELD]


async def _read_form(request: Request) -> FormData | None:
    """The urlencoded form body, or None when the body is not a form."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return None
    try:
        return await request.form(max_files=0, max_fields=200)
    except Exception:  # malformed multipart bodies raise assorted parser errors
        return None


def csrf_failure(request: Request, locale: str) -> HTMLResponse:
    return message_page(
        request,
        locale=locale,
        title_key="error_title",
        error=t("csrf", locale),
        status=403,
        link=request.url.path,
        link_text=t("back_to_login", locale) if request.url.path == "/login" else request.url.path,
    )


async def _checked_form(request: Request) -> tuple[FormData | None, str, HTMLResponse | None]:
    form = await _read_form(request)
    locale = locale_of(request, form)
    settings = _db(request).settings
    if form is None or not csrf_ok(request, settings, form.get(CSRF_FIELD)):
        return form, locale, csrf_failure(request, locale)
    # No field but a password may hold control characters (PostgreSQL refuses NUL in text).
    if has_control_characters(
        (k, v) for k, v in form.multi_items() if isinstance(v, str) and k not in SECRET_FIELDS
    ):
        page = message_page(
            request,
            locale=locale,
            title_key="error_title",
            error=t("invalid_input", locale),
            status=400,
            link=request.url.path,
            link_text=request.url.path,
        )
        return form, locale, page
    return form, locale, None


def _signup_url(next_url: str, client_id: str, locale: str) -> str:
    params = {"ui_locales": locale}
    if next_url:
        params["next"] = next_url
    if client_id:
        params["client_id"] = client_id
    return "/signup?" + urlencode(params)


def _client_id_of(next_url: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    if not next_url.startswith("/oauth/authorize"):
        return ""
    values = parse_qs(urlsplit(next_url).query).get("client_id", [""])
    return values[0][:64]


# -- login / logout ---------------------------------------------------------------------------


def _login_form(
    request: Request,
    *,
    locale: str,
    next_url: str,
    email: str = "",
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "login.html",
        locale=locale,
        title_key="login_title",
        status=status,
        next=next_url,
        email=email,
        error=error,
        signup_url=_signup_url(next_url, _client_id_of(next_url), locale),
    )


async def login_page(request: Request) -> Response:
    """GET /login: the sign-in form (or straight back to `next` when already signed in)."""
    locale = locale_of(request)
    next_url = safe_next(request.query_params.get("next"))
    db = _db(request)
    async with db.sessionmaker() as session:
        current = await current_login(session, request.cookies.get(SESSION_COOKIE))
    if current is not None:
        if next_url:
            return RedirectResponse(next_url, status_code=303)
        return message_page(
            request,
            locale=locale,
            title_key="login_title",
            message=t("signed_in_as", locale, email=current[1].email),
        )
    return _login_form(request, locale=locale, next_url=next_url)


async def login_submit(request: Request) -> Response:
    """POST /login: check the password (throttled), open a login session."""
    form, locale, failure = await _checked_form(request)
    if failure is not None or form is None:
        return failure or csrf_failure(request, locale)
    db = _db(request)
    settings = db.settings
    next_url = safe_next(form.get("next"))
    raw_email = _field(form, "email")
    password = _field(form, "password")
    address = client_address(request)

    def again(error_key: str, status: int) -> HTMLResponse:
        return _login_form(
            request,
            locale=locale,
            next_url=next_url,
            email=raw_email,
            error=t(error_key, locale),
            status=status,
        )

    async def open_session(session: AsyncSession, member: Member) -> str:
        return await start_session(session, settings, member=member, request=request)

    # One sign-in use case (users/accounts.py): the attempt is counted apart before the check.
    try:
        member, token = await accounts.sign_in(
            db, email=raw_email, password=password, address=address, then=open_session
        )
    except RateLimited:
        return again("throttled", 429)
    except InvalidCredentials:
        # The form again, with the status of a failed authentication (docs/oauth.md).
        return again("wrong_credentials", 401)
    except AccountSuspended:
        return again("suspended", 403)

    response: Response
    if next_url:
        response = RedirectResponse(next_url, status_code=303)
    else:
        response = message_page(
            request,
            locale=locale,
            title_key="login_title",
            message=t("signed_in_as", locale, email=member.email),
        )
    set_session_cookie(response, settings, token)
    rotate_csrf(response, settings)
    return response


async def logout_page(request: Request) -> Response:
    """GET /logout: a confirmation form (a GET must not sign anyone out)."""
    locale = locale_of(request)
    return render(request, "logout.html", locale=locale, title_key="logout_title")


async def logout_submit(request: Request) -> Response:
    """POST /logout: end the login session of this browser."""
    _form, locale, failure = await _checked_form(request)
    if failure is not None:
        return failure
    db = _db(request)
    async with db.transaction() as session:
        await end_session(session, request.cookies.get(SESSION_COOKIE))
    response = message_page(
        request,
        locale=locale,
        title_key="logout_title",
        message=t("signed_out", locale),
        link="/login?" + urlencode({"ui_locales": locale}),
        link_text=t("back_to_login", locale),
    )
    clear_session_cookie(response, db.settings)
    return response


# -- sign-up ----------------------------------------------------------------------------------


async def _partner_of_client(db: Database, client_id: str) -> uuid.UUID | None:
    if not client_id:
        return None
    async with db.sessionmaker() as session:
        row = (
            await session.exec(
                select(OAuthClient).where(
                    col(OAuthClient.client_id) == client_id, col(OAuthClient.revoked_at).is_(None)
                )
            )
        ).first()
    return row.partner_id if row is not None else None


def _signup_form(
    request: Request,
    *,
    locale: str,
    next_url: str,
    client_id: str,
    status: int = 200,
    error: str | None = None,
    field_errors: dict[str, str] | None = None,
    email: str = "",
    display_name: str = "",
) -> HTMLResponse:
    login_params = {"ui_locales": locale}
    if next_url:
        login_params["next"] = next_url
    return render(
        request,
        "signup.html",
        locale=locale,
        title_key="signup_title",
        status=status,
        next=next_url,
        client_id=client_id,
        error=error,
        field_errors=field_errors or {},
        email=email,
        display_name=display_name,
        login_url="/login?" + urlencode(login_params),
    )


async def signup_page(request: Request) -> Response:
    """GET /signup: the sign-up form (keeps the OAuth request in progress)."""
    next_url = safe_next(request.query_params.get("next"))
    client_id = (request.query_params.get("client_id") or _client_id_of(next_url))[:64]
    return _signup_form(request, locale=locale_of(request), next_url=next_url, client_id=client_id)


_FIELD_NAMES = {"displayName": "display_name", "newPassword": "password"}


async def signup_submit(request: Request) -> Response:
    """POST /signup: create the account (through a partner's storefront when its client asks)."""
    form, locale, failure = await _checked_form(request)
    if failure is not None or form is None:
        return failure or csrf_failure(request, locale)
    db = _db(request)
    settings = db.settings
    next_url = safe_next(form.get("next"))
    client_id = _field(form, "client_id")[:64]
    email = _field(form, "email")
    display_name = _field(form, "display_name")

    async def open_session(session: AsyncSession, member: Member) -> str:
        return await start_session(session, settings, member=member, request=request)

    partner_id = await _partner_of_client(db, client_id)
    try:
        # One sign-up use case (users/accounts.py): a refused sign-up stays counted.
        _member, token = await accounts.sign_up(
            db,
            email=email,
            password=_field(form, "password"),
            display_name=display_name,
            locale=locale,
            partner_id=partner_id,
            address=client_address(request),
            then=open_session,
        )
    except RateLimited:
        return _signup_form(
            request,
            locale=locale,
            next_url=next_url,
            client_id=client_id,
            status=429,
            error=t("throttled", locale),
            email=email,
            display_name=display_name,
        )
    except DomainError as exc:
        message = translate(exc.message, locale)
        if isinstance(exc, EmailTaken):
            message = t("email_taken", locale)
        elif isinstance(exc, WeakPassword) and not exc.message:
            message = t("weak_password", locale)
        status = 409 if isinstance(exc, EmailTaken) else 400
        if not isinstance(exc, InvalidInput | EmailTaken):
            status = 400
        fields = {_FIELD_NAMES.get(f, f): message for f in exc.fields}
        return _signup_form(
            request,
            locale=locale,
            next_url=next_url,
            client_id=client_id,
            status=status,
            error=t("invalid_input", locale) if fields else message,
            field_errors=fields,
            email=email,
            display_name=display_name,
        )
    response: Response
    if next_url:
        response = RedirectResponse(next_url, status_code=303)
    else:
        response = message_page(
            request, locale=locale, title_key="signup_title", message=t("signup_done", locale)
        )
    assert token is not None  # open_session ran
    set_session_cookie(response, settings, token)
    rotate_csrf(response, settings)
    return response


# -- password reset, e-mail verification ----------------------------------------------------


async def forgot_page(request: Request) -> Response:
    """GET /account/forgot-password."""
    return render(request, "forgot.html", locale=locale_of(request), title_key="forgot_title")


async def forgot_submit(request: Request) -> Response:
    """POST /account/forgot-password: e-mail a reset link (silent when the account is unknown)."""
    form, locale, failure = await _checked_form(request)
    if failure is not None or form is None:
        return failure or csrf_failure(request, locale)
    db = _db(request)
    email = _field(form, "email")
    try:
        async with db.transaction() as session:
            await users.request_password_reset(session, email=email, settings=db.settings)
    except InvalidInput as exc:
        return render(
            request,
            "forgot.html",
            locale=locale,
            title_key="forgot_title",
            status=400,
            error=translate(exc.message, locale),
            email=email,
        )
    return message_page(
        request, locale=locale, title_key="forgot_title", message=t("forgot_done", locale)
    )


def _bad_link(request: Request, locale: str, title_key: str) -> HTMLResponse:
    return message_page(
        request,
        locale=locale,
        title_key=title_key,
        error=t("bad_link", locale),
        status=400,
        link="/account/forgot-password?" + urlencode({"ui_locales": locale}),
        link_text=t("forgot", locale),
    )


async def reset_page(request: Request) -> Response:
    """GET /account/reset-password?token=…: the new-password form."""
    locale = locale_of(request)
    token = request.query_params.get("token") or ""
    if not token or len(token) > 200:
        return _bad_link(request, locale, "reset_title")
    return render(request, "reset.html", locale=locale, title_key="reset_title", token=token)


async def reset_submit(request: Request) -> Response:
    """POST /account/reset-password: set the new password; signs the member out everywhere."""
    form, locale, failure = await _checked_form(request)
    if failure is not None or form is None:
        return failure or csrf_failure(request, locale)
    db = _db(request)
    token = _field(form, "token")
    try:
        async with db.transaction() as session:
            await users.reset_password(session, token=token, new_password=_field(form, "password"))
    except InvalidEmailToken:
        return _bad_link(request, locale, "reset_title")
    except DomainError as exc:
        return render(
            request,
            "reset.html",
            locale=locale,
            title_key="reset_title",
            status=400,
            token=token,
            error=translate(exc.message, locale),
        )
    response = message_page(
        request,
        locale=locale,
        title_key="reset_title",
        message=t("reset_done", locale),
        link="/login?" + urlencode({"ui_locales": locale}),
        link_text=t("back_to_login", locale),
    )
    clear_session_cookie(response, db.settings)
    return response


async def verify_page(request: Request) -> Response:
    """GET /account/verify-email?token=…: a confirm button (link scanners must not consume it)."""
    locale = locale_of(request)
    token = request.query_params.get("token") or ""
    if not token or len(token) > 200:
        return _bad_link(request, locale, "verify_title")
    return render(request, "verify.html", locale=locale, title_key="verify_title", token=token)


async def verify_submit(request: Request) -> Response:
    """POST /account/verify-email: confirm the address."""
    form, locale, failure = await _checked_form(request)
    if failure is not None or form is None:
        return failure or csrf_failure(request, locale)
    db = _db(request)
    try:
        async with db.transaction() as session:
            await users.verify_email(session, token=_field(form, "token"))
    except InvalidEmailToken:
        return _bad_link(request, locale, "verify_title")
    return message_page(
        request, locale=locale, title_key="verify_title", message=t("verify_done", locale)
    )
