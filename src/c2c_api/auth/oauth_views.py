"""OAuth 2 HTTP endpoints: authorize, token, revoke, introspect, metadata, JWKS."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from authlib.oauth2.rfc6749.errors import OAuth2Error
from sqlmodel import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from c2c_api.auth.keys import published_jwks
from c2c_api.auth.messages import MESSAGES, scope_label, t
from c2c_api.auth.models import Consent
from c2c_api.auth.oauth_request import CONTROL_CHARACTERS, unreadable_parameter
from c2c_api.auth.pages import csrf_failure, locale_of, message_page, render
from c2c_api.auth.server import C2CAuthorizationServer, HttpInput, StarletteOAuth2Request, metadata
from c2c_api.auth.sessions import CSRF_FIELD, SESSION_COOKIE, csrf_ok, current_login_sync
from c2c_api.authz import SCOPES
from c2c_api.db import Database
from c2c_api.kit.clock import utcnow

FORM = "application/x-www-form-urlencoded"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
AuthlibResult = tuple[int, Any, list[tuple[str, str]]]
# Parameters accepted in one token/revocation/introspection body (they use about ten).
MAX_FORM_FIELDS = 50


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _to_response(result: AuthlibResult) -> Response:
    status, body, headers = result
    header_map = dict(headers)
    if status in (301, 302, 303, 307):
        return Response(status_code=302, headers=header_map)
    if isinstance(body, list):
        body = dict(body)
    header_map.pop("Content-Type", None)
    return JSONResponse(body if body is not None else {}, status_code=status, headers=header_map)


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=NO_STORE
    )


async def _run(db: Database, work: Callable[[C2CAuthorizationServer], Any]) -> Any:
    """Run authlib in a worker thread with a sync session of its own.

    Successful outcomes are committed; errors roll back (the grants commit deliberate
    revocations, e.g. on refresh-token reuse, themselves before failing).
    """
    settings = db.settings

    def in_thread() -> Any:
        with db.sync_sessionmaker() as session:
            server = C2CAuthorizationServer(session, settings)
            try:
                outcome = work(server)
            except BaseException:
                session.rollback()
                raise
            status = outcome[0] if isinstance(outcome, tuple) else getattr(outcome, "status", 200)
            if isinstance(status, int) and status < 400:
                session.commit()
            else:
                session.rollback()
            return outcome

    return await run_in_threadpool(in_thread)


def _unreadable_message(name: str) -> str:
    if CONTROL_CHARACTERS.search(name):
        return "A parameter name holds control characters."
    return f"The parameter '{name}' holds characters it may not hold."


async def _form_pairs(request: Request) -> list[tuple[str, str]] | Response:
    """The urlencoded body of a token/revocation/introspection request, or an error response."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM:
        return _oauth_error("invalid_request", f"The body must be {FORM}.")
    limit = _db(request).settings.max_body_bytes
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return _oauth_error("invalid_request", "The body is too large.", status=413)
        chunks.append(chunk)
    body = b"".join(chunks)
    # No endpoint takes more than a dozen parameters: refuse before parsing a flood of them.
    if body.count(b"&") >= MAX_FORM_FIELDS:
        return _oauth_error("invalid_request", f"At most {MAX_FORM_FIELDS} parameters.")
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=bool(body),
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        return _oauth_error("invalid_request", "The body is not a valid form.")
    unreadable = unreadable_parameter(pairs)
    if unreadable is not None:
        return _oauth_error("invalid_request", _unreadable_message(unreadable))
    counts = Counter(name for name, _ in pairs)
    repeated = sorted(name for name, n in counts.items() if n > 1)
    if repeated:
        return _oauth_error("invalid_request", f"Repeated parameter: {', '.join(repeated)}.")
    return pairs


async def _endpoint(request: Request, path: str, call: Callable[..., Any]) -> Response:
    pairs = await _form_pairs(request)
    if isinstance(pairs, Response):
        return pairs
    db = _db(request)
    data = HttpInput("POST", db.settings.issuer + path, request.headers, (), pairs)

    def work(server: C2CAuthorizationServer) -> AuthlibResult:
        try:
            result: AuthlibResult = call(server, data)
        except OAuth2Error as error:
            result = server.handle_error_response(None, error)
        return result

    return _to_response(await _run(db, work))


async def token_endpoint(request: Request) -> Response:
    """POST /oauth/token (RFC 6749 section 3.2)."""
    return await _endpoint(
        request, "/oauth/token", lambda server, data: server.create_token_response(data)
    )


async def revocation_endpoint(request: Request) -> Response:
    """POST /oauth/revoke (RFC 7009)."""
    return await _endpoint(
        request,
        "/oauth/revoke",
        lambda server, data: server.create_endpoint_response("revocation", data),
    )


async def introspection_endpoint(request: Request) -> Response:
    """POST /oauth/introspect (RFC 7662)."""
    return await _endpoint(
        request,
        "/oauth/introspect",
        lambda server, data: server.create_endpoint_response("introspection", data),
    )


async def metadata_endpoint(request: Request) -> Response:
    """GET /.well-known/oauth-authorization-server (RFC 8414)."""
    return JSONResponse(metadata(_db(request).settings))


async def jwks_endpoint(request: Request) -> Response:
    """GET /.well-known/jwks.json: the current and still-valid retired public keys."""
    db = _db(request)
    async with db.sessionmaker() as session:
        document = await published_jwks(session, db.settings)
    return JSONResponse(
        document, media_type="application/jwk-set+json", headers={"Cache-Control": "max-age=300"}
    )


# -- authorization endpoint -------------------------------------------------------------------


@dataclass
class ErrorPage:
    error: str
    description: str
    status: int = 400


@dataclass
class NeedLogin:
    status: int = 200


@dataclass
class NeedConsent:
    client_name: str
    scopes: list[str]
    new_scopes: list[str]
    email: str
    status: int = 200


AUTHORIZE_CONTROL_FIELDS = {CSRF_FIELD, "decision"}


def _authorize(
    server: C2CAuthorizationServer,
    data: HttpInput,
    session_token: str | None,
    decision: str | None,
) -> AuthlibResult | ErrorPage | NeedLogin | NeedConsent:
    request = StarletteOAuth2Request(data)
    login = current_login_sync(server.session, session_token)
    member = login[1] if login is not None else None
    server.end_user = member
    server.auth_time = login[0].created_at if login is not None else None
    try:
        grant = server.get_consent_grant(request, end_user=member)
    except OAuth2Error as error:
        if error.redirect_uri:
            return server.handle_error_response(request, error)
        return ErrorPage(error.error or "invalid_request", error.get_error_description() or "")
    if member is None:
        return NeedLogin()
    client = grant.client
    scopes = (request.scope or "").split()
    if not client.row.first_party:
        consent = (
            server.session.execute(
                select(Consent).where(
                    Consent.member_id == member.id, Consent.client_id == client.client_id
                )
            )
            .scalars()
            .first()
        )
        granted_before = set(consent.scopes) if consent is not None else set()
        new_scopes = [s for s in scopes if s not in granted_before]
        if decision == "deny":
            return server.create_authorization_response(request, grant_user=None, grant=grant)
        if new_scopes and decision != "approve":
            return NeedConsent(client.row.name, scopes, new_scopes, member.email)
        if new_scopes:
            if consent is None:
                consent = Consent(member_id=member.id, client_id=client.client_id, scopes=[])
            consent.scopes = sorted(granted_before | set(scopes))
            consent.created_at = utcnow()
            server.session.add(consent)
            server.session.flush()
    return server.create_authorization_response(request, grant_user=member, grant=grant)


async def authorize_endpoint(request: Request) -> Response:
    """GET/POST /oauth/authorize: login, consent, then back to the client with a code."""
    db = _db(request)
    settings = db.settings
    decision: str | None = None
    if request.method == "POST":
        form = await request.form(max_files=0, max_fields=100)
        locale = locale_of(request, form)
        if not csrf_ok(request, settings, form.get(CSRF_FIELD)):
            return csrf_failure(request, locale)
        raw_decision = form.get("decision")
        decision = raw_decision if raw_decision in ("approve", "deny") else None
        pairs: Sequence[tuple[str, str]] = [
            (k, v)
            for k, v in form.multi_items()
            if isinstance(v, str) and k not in AUTHORIZE_CONTROL_FIELDS
        ]
        data = HttpInput("POST", settings.issuer + "/oauth/authorize", request.headers, (), pairs)
    else:
        locale = locale_of(request)
        pairs = request.query_params.multi_items()
        data = HttpInput("GET", settings.issuer + "/oauth/authorize", request.headers, pairs, ())

    token = request.cookies.get(SESSION_COOKIE)
    outcome: AuthlibResult | ErrorPage | NeedLogin | NeedConsent
    unreadable = unreadable_parameter(pairs)
    if unreadable is not None:
        outcome = ErrorPage("invalid_request", _unreadable_message(unreadable))
    else:
        outcome = await _run(db, lambda server: _authorize(server, data, token, decision))

    if isinstance(outcome, ErrorPage):
        key = f"error_{outcome.error}"
        message = t(key, locale) if key in MESSAGES else t("error_invalid_request", locale)
        return message_page(
            request,
            locale=locale,
            title_key="error_title",
            error=message,
            message=f"{outcome.error}: {outcome.description}",
            status=outcome.status,
        )
    if isinstance(outcome, NeedLogin):
        next_url = "/oauth/authorize?" + urlencode(list(pairs))
        params = {"next": next_url}
        if locale:
            params["ui_locales"] = locale
        return RedirectResponse("/login?" + urlencode(params), status_code=303)
    if isinstance(outcome, NeedConsent):
        items = [
            {"name": s, "label": scope_label(s, locale), "new": s in outcome.new_scopes}
            for s in outcome.scopes
            if s in SCOPES
        ]
        return render(
            request,
            "consent.html",
            locale=locale,
            title_key="consent_title",
            client_name=outcome.client_name,
            scopes=items,
            email=outcome.email,
            params=list(pairs),
        )
    response = _to_response(outcome)
    if response.status_code == 302 and request.method == "POST":
        response.status_code = 303  # after a form POST, the browser must GET the client
    return response
