"""The unsubscribe page of notification e-mails: no sign-in, the signed token is the credential.

    GET  /v1/notifications/unsubscribe?token=…   a confirmation page with a POST button (link
                                                  scanners that follow links change nothing)
    POST /v1/notifications/unsubscribe?token=…   turns the type off (RFC 8058 one-click: the
                                                  mail client POSTs `List-Unsubscribe=One-Click`;
                                                  the page's button posts the token as a field)

Server-rendered, no JavaScript, no external assets; English or French (the member's language
once the token names them, else Accept-Language). A forged, garbled, expired or revoked token
gets a 400 page. No CSRF token: nothing ambient (no cookie) authorises the POST, the token in
it does, and whoever holds it may use it. Idempotent: a second POST finds the type off.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.i18n import negotiate_locale, translate
from c2c_api.notifications import service
from c2c_api.notifications.errors import UnsubscribeLinkInvalid
from c2c_api.notifications.links import MAX_TOKEN, UNSUBSCRIBE_PATH
from c2c_api.users.models import Member

_env = Environment(
    loader=PackageLoader("c2c_api.notifications", "templates"),
    autoescape=select_autoescape(["html"]),
    auto_reload=False,
)

# key -> (English, French)
TEXTS: dict[str, tuple[str, str]] = {
    "app_name": ("c2c marketplace", "Place de marché c2c"),
    "title": ("Unsubscribe", "Se désinscrire"),
    "confirm": (
        "Stop e-mails about {what} to {email}?",
        "Ne plus envoyer d'e-mails ({what}) à {email} ?",
    ),
    "button": ("Unsubscribe", "Me désinscrire"),
    "done": (
        "Done: {email} no longer gets e-mails about {what}.",
        "C'est fait : {email} ne reçoit plus d'e-mails ({what}).",
    ),
    "already": (
        "{email} already gets no e-mails about {what}.",
        "{email} ne reçoit déjà plus d'e-mails ({what}).",
    ),
    "hint": (
        "You can turn them back on in your notification settings. Messages about your account "
        "and its security are always sent.",
        "Vous pouvez les réactiver dans vos réglages de notification. Les messages concernant "
        "votre compte et sa sécurité sont toujours envoyés.",
    ),
    "invalid_title": ("Invalid link", "Lien invalide"),
    "invalid_hint": (
        "Choose which e-mails you get in your notification settings, or use the link of a more "
        "recent e-mail.",
        "Choisissez les e-mails que vous recevez dans vos réglages de notification, ou utilisez "
        "le lien d'un e-mail plus récent.",
    ),
}

HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    # The token is in the URL: never sent onwards.
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


def _t(key: str, locale: str, **values: object) -> str:
    en, fr = TEXTS[key]
    return (fr if locale == "fr" else en).format(**values)


def _page(locale: str, *, title_key: str, status: int = 200, **context: Any) -> HTMLResponse:
    def tr(key: str, **values: object) -> str:
        return _t(key, locale, **values)

    html = _env.get_template("unsubscribe.html").render(
        t=tr, locale=locale, title=tr(title_key), **context
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def masked(email: str) -> str:
    """`j•••@example.com`: the page may be opened by whoever holds the link."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}\u2022\u2022\u2022@{domain}"


def _invalid(request: Request, exc: UnsubscribeLinkInvalid) -> HTMLResponse:
    locale = negotiate_locale(request.headers.get("accept-language"))
    return _page(
        locale,
        title_key="invalid_title",
        status=400,
        error=translate(exc.message, locale),
        hint=_t("invalid_hint", locale),
    )


def _member_locale(member: Member) -> str:
    return "fr" if member.locale == "fr" else "en"


async def _token(request: Request) -> str:
    token = request.query_params.get("token")
    if token:
        return token
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return ""
    try:
        form = await request.form(max_files=0, max_fields=10)
    except Exception:  # a malformed body is no token
        return ""
    value = form.get("token")
    return value if isinstance(value, str) and len(value) <= MAX_TOKEN else ""


async def unsubscribe_page(request: Request) -> Response:
    """GET: what the link would do, and a button; POST: do it."""
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    token = await _token(request)
    try:
        if request.method == "POST":
            async with db.transaction() as session:
                done = await service.unsubscribe(session, settings, token=token)
        else:
            async with db.sessionmaker() as session:
                done = await service.check_unsubscribe(session, settings, token=token)
    except UnsubscribeLinkInvalid as exc:
        return _invalid(request, exc)
    locale = _member_locale(done.member)
    values = {
        "what": service.type_label(done.type, locale),
        "email": masked(done.member.email),
    }
    if request.method == "POST":
        message = _t("done", locale, **values)
        return _page(locale, title_key="title", info=message, hint=_t("hint", locale))
    if not done.email:
        message = _t("already", locale, **values)
        return _page(locale, title_key="title", info=message, hint=_t("hint", locale))
    return _page(
        locale,
        title_key="title",
        message=_t("confirm", locale, **values),
        action=UNSUBSCRIBE_PATH,
        token=token,
        hint=_t("hint", locale),
    )


def notification_routes() -> list[BaseRoute]:
    return [Route(UNSUBSCRIBE_PATH, unsubscribe_page, methods=["GET", "POST"])]
