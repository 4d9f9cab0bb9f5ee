"""The OAuth 2 authorization server: authlib's grants on a synchronous session.

authlib is synchronous and has no Starlette integration. One `C2CAuthorizationServer` is built
per HTTP request, bound to a *sync* SQLAlchemy session, and run in a worker thread
(`starlette.concurrency.run_in_threadpool`); the async handlers in auth/oauth_views.py read the
request body first and translate the result back into a Starlette response.

Neighbours: auth/oauth_request.py (the request as authlib sees it), auth/endpoints.py
(revocation and introspection), auth/tokens.py (JWT signing and validation).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749 import grants as rfc6749_grants
from authlib.oauth2.rfc6749.errors import (
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
)
from authlib.oauth2.rfc6749.util import extract_basic_authorization, scope_to_list
from authlib.oauth2.rfc7636 import CodeChallenge
from sqlalchemy.orm import Session
from sqlmodel import col

from c2c_api.auth.endpoints import Introspection, Revocation
from c2c_api.auth.grants import revoke_family_sync
from c2c_api.auth.models import AuthorizationCode, ClientKind, OAuthClient, RefreshToken
from c2c_api.auth.oauth_request import (
    ALL_AUTH_METHODS,
    CONFIDENTIAL_AUTH_METHODS,
    CONTROL_CHARACTERS,
    HttpInput,
    StarletteOAuth2Request,
)
from c2c_api.auth.tokens import issue_access_token
from c2c_api.authz import SCOPES, ActorKind
from c2c_api.config import Settings
from c2c_api.kit.clock import utcnow
from c2c_api.kit.secrets import digest, new_token, same_digest
from c2c_api.users.models import Member, MemberStatus

__all__ = ["C2CAuthorizationServer", "Client", "HttpInput", "StarletteOAuth2Request", "metadata"]

GRANT_TYPES = ["authorization_code", "refresh_token", "client_credentials"]


def _audience(name: str) -> ActorKind | None:
    """Who can hold a scope in use; None for any other name (a reserved scope still in an old
    registration is never granted)."""
    scope = SCOPES.get(name)
    return scope.audience if scope is not None else None


def _readable_basic(token: str) -> bool:
    """Whether HTTP Basic credentials decode to text (authlib fails on other bytes)."""
    try:
        base64.b64decode(token.strip()).decode("utf-8")
    except (binascii.Error, ValueError):
        return False
    return True


# -- models as authlib sees them ------------------------------------------------------------


class Client(ClientMixin):
    """An OAuthClient row with authlib's ClientMixin behaviour and our scope rules."""

    def __init__(self, row: OAuthClient, server: C2CAuthorizationServer) -> None:
        self.row = row
        self.server = server

    @property
    def client_id(self) -> str:
        return self.row.client_id

    @property
    def is_public(self) -> bool:
        return self.row.kind == ClientKind.PUBLIC

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.row.redirect_uris
        return uris[0] if len(uris) == 1 else None

    def code_flow_scopes(self, member: Member | None) -> list[str]:
        """Scopes this client may get through the authorization code flow (for `member`)."""
        allowed = []
        for name in self.row.scopes:
            audience = _audience(name)
            if audience == ActorKind.MEMBER or (
                audience == ActorKind.OPERATOR
                and self.row.first_party
                and (member is None or member.is_operator)
            ):
                allowed.append(name)
        return allowed

    def get_allowed_scope(self, scope: str | None) -> str | None:
        member = self.server.end_user
        allowed = self.code_flow_scopes(member)
        if not scope:
            granted = [s for s in allowed if _audience(s) == ActorKind.MEMBER]
        else:
            requested = scope_to_list(scope)
            granted = [s for s in dict.fromkeys(requested) if s in allowed]
        return " ".join(granted) if granted else None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.row.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        stored = self.row.client_secret_digest
        return stored is not None and same_digest(client_secret, stored)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.is_public:
            return method == "none"
        return method in CONFIDENTIAL_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and bool(self.row.redirect_uris)

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type in ("authorization_code", "refresh_token"):
            return bool(self.row.redirect_uris)
        if grant_type == "client_credentials":
            return self.row.kind == ClientKind.CONFIDENTIAL and self.row.partner_id is not None
        return False


class Code:
    """An AuthorizationCode row as authlib sees it."""

    def __init__(self, row: AuthorizationCode) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


class RefreshTokenRow:
    """A RefreshToken row as authlib's RefreshTokenGrant sees it."""

    def __init__(self, row: RefreshToken) -> None:
        self.row = row

    def check_client(self, client: Client) -> bool:
        return self.row.client_id == client.client_id

    def get_scope(self) -> str:
        return self.row.scope


# -- grants -------------------------------------------------------------------------------


class S256CodeChallenge(CodeChallenge):
    """PKCE with S256 only, mandatory for public clients (RFC 7636, OAuth 2.1)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "plain"  # RFC 7636 default: refused below
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        challenge = data.get("code_challenge")
        method = data.get("code_challenge_method")
        if not challenge and grant.request.client.is_public:
            raise InvalidRequestError("Public clients must use PKCE: 'code_challenge' missing.")
        if challenge and method != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(rfc6749_grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS
    server: C2CAuthorizationServer

    def save_authorization_code(self, code: str, request: Any) -> None:
        server = self.server
        now = utcnow()
        data = request.payload.data
        server.session.add(
            AuthorizationCode(
                code_digest=digest(code),
                client_id=request.client.client_id,
                member_id=request.user.id,
                redirect_uri=request.payload.redirect_uri or "",
                scope=request.scope,
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                nonce=data.get("nonce"),
                auth_time=server.auth_time or now,
                created_at=now,
                expires_at=now + timedelta(seconds=server.settings.authorization_code_ttl),
            )
        )
        server.session.flush()

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        session = self.server.session
        row = (
            session.execute(
                sa.select(AuthorizationCode).where(
                    col(AuthorizationCode.code_digest) == digest(code),
                    col(AuthorizationCode.client_id) == client.client_id,
                )
            )
            .scalars()
            .first()
        )
        if row is None:
            return None
        if row.used_at is not None:
            # RFC 6749 4.1.2: a reused code revokes the tokens issued from it.
            if row.family_id is not None:
                revoke_family_sync(session, family_id=row.family_id)
                session.commit()
            return None
        if row.expires_at <= utcnow():
            return None
        return Code(row)

    def authenticate_user(self, authorization_code: Code) -> Member | None:
        member = self.server.session.get(Member, authorization_code.row.member_id)
        if member is None or member.status != MemberStatus.ACTIVE:
            raise InvalidGrantError("The member of this code cannot sign in.")
        self.server.family_id = uuid.uuid4()
        self.server.auth_time = authorization_code.row.auth_time
        return member

    def delete_authorization_code(self, authorization_code: Code) -> None:
        server = self.server
        session = server.session
        result = session.execute(
            sa.update(AuthorizationCode)
            .where(
                col(AuthorizationCode.id) == authorization_code.row.id,
                col(AuthorizationCode.used_at).is_(None),
            )
            .values(used_at=utcnow(), family_id=server.family_id)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            # Used concurrently by another request: that one's tokens go too.
            session.rollback()
            family = session.execute(
                sa.select(col(AuthorizationCode.family_id)).where(
                    col(AuthorizationCode.id) == authorization_code.row.id
                )
            ).scalar()
            if family is not None:
                revoke_family_sync(session, family_id=family)
                session.commit()
            raise InvalidGrantError("Invalid 'code' in request.")


class RefreshGrant(rfc6749_grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True
    server: C2CAuthorizationServer

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshTokenRow | None:
        session = self.server.session
        row = (
            session.execute(
                sa.select(RefreshToken).where(
                    col(RefreshToken.token_digest) == digest(refresh_token)
                )
            )
            .scalars()
            .first()
        )
        if row is None or row.revoked_at is not None:
            return None
        if row.rotated_at is not None:
            # Reuse of a rotated token: someone else holds the family. Revoke all of it.
            revoke_family_sync(session, family_id=row.family_id)
            session.commit()
            return None
        now = utcnow()
        if row.expires_at <= now:
            return None
        started = session.execute(
            sa.select(sa.func.min(RefreshToken.created_at)).where(
                col(RefreshToken.family_id) == row.family_id
            )
        ).scalar()
        started = started or row.created_at
        if started.tzinfo is None:
            started = started.replace(tzinfo=UTC)
        if started + timedelta(seconds=self.server.settings.refresh_family_max_age) <= now:
            return None  # the family reached its absolute lifetime: sign in again
        self.server.family_id = row.family_id
        self.server.family_started_at = started
        self.server.auth_time = row.auth_time
        return RefreshTokenRow(row)

    def authenticate_user(self, refresh_token: RefreshTokenRow) -> Member:
        member = self.server.session.get(Member, refresh_token.row.member_id)
        if member is None or member.status != MemberStatus.ACTIVE:
            raise InvalidGrantError("The member of this token cannot sign in.")
        self.server.end_user = member
        return member

    def issue_token(self, user: Member, refresh_token: RefreshTokenRow) -> dict[str, Any]:
        # Only scopes the client may still get (its registration may have shrunk since) and, for
        # operator scopes, only while the member is an operator.
        allowed = set(self.request.client.code_flow_scopes(user))
        original = [s for s in scope_to_list(refresh_token.get_scope()) if s in allowed]
        requested = self.request.payload.scope
        narrowed = [s for s in scope_to_list(requested)] if requested else original
        access_scope = [s for s in narrowed if s in original]
        if not access_scope:
            raise InvalidScopeError()
        # RFC 6749 section 6: the new refresh token keeps the original scope; only the access
        # token gets the narrowed one.
        self.server.refresh_scope = " ".join(original)
        return self.generate_token(
            user=user, scope=" ".join(access_scope), include_refresh_token=True
        )

    def revoke_old_credential(self, refresh_token: RefreshTokenRow) -> None:
        session = self.server.session
        result = session.execute(
            sa.update(RefreshToken)
            .where(
                col(RefreshToken.id) == refresh_token.row.id,
                col(RefreshToken.rotated_at).is_(None),
                col(RefreshToken.revoked_at).is_(None),
            )
            .values(rotated_at=utcnow())
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            revoke_family_sync(session, family_id=refresh_token.row.family_id)
            session.commit()
            raise InvalidGrantError()


class ClientCredentials(rfc6749_grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CONFIDENTIAL_AUTH_METHODS

    def validate_token_request(self) -> None:
        super().validate_token_request()
        client: Client = self.request.client
        allowed = [s for s in client.row.scopes if _audience(s) == ActorKind.PARTNER]
        requested = self.request.payload.scope
        if requested:
            granted = [s for s in dict.fromkeys(scope_to_list(requested)) if s in allowed]
        else:
            granted = allowed
        if not granted:
            raise InvalidScopeError()
        self.request.scope = " ".join(granted)

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        token = self.generate_token(scope=self.request.scope, include_refresh_token=False)
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER


# -- the server -----------------------------------------------------------------------------


class C2CAuthorizationServer(AuthorizationServer):
    """authlib's server bound to one sync session, for one HTTP request."""

    def __init__(self, session: Session, settings: Settings) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.session = session
        self.settings = settings
        # Per-request state shared by grants and the token generator.
        self.end_user: Member | None = None
        self.auth_time: datetime | None = None
        self.family_id: uuid.UUID | None = None
        self.family_started_at: datetime | None = None
        # The scope of the refresh token to issue, when it differs from the access token's.
        self.refresh_scope: str | None = None
        self._pending_refresh: RefreshToken | None = None
        self.register_token_generator("default", self._generate_token)
        self.register_grant(CodeGrant, [S256CodeChallenge(required=True)])
        self.register_grant(RefreshGrant)
        self.register_grant(ClientCredentials)
        self.register_endpoint(Revocation)
        self.register_endpoint(Introspection)

    # authlib hooks ------------------------------------------------------------------------

    def query_client(self, client_id: str) -> Client | None:
        if not client_id or len(client_id) > 64 or CONTROL_CHARACTERS.search(client_id):
            return None
        row = (
            self.session.execute(
                sa.select(OAuthClient).where(col(OAuthClient.client_id) == client_id)
            )
            .scalars()
            .first()
        )
        if row is None or row.revoked_at is not None:
            return None
        return Client(row, self)

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        if self._pending_refresh is not None:
            self.session.add(self._pending_refresh)
            self._pending_refresh = None
        self.session.flush()

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        return StarletteOAuth2Request(request)

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError("no JSON endpoints")

    def handle_response(
        self, status: int, body: Any, headers: list[tuple[str, str]]
    ) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, list(headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def authenticate_client(self, request: Any, methods: list[str], endpoint: str = "token") -> Any:
        """One client authentication method per request (RFC 6749 section 2.3), no fallback.

        HTTP Basic and a `client_secret` in the body together are `invalid_request`; with
        HTTP Basic only Basic is tried (a wrong secret is `invalid_client`, 401, never a
        second chance with the body's `client_id`, which must then name the same client).
        """
        header = request.headers.get("Authorization") or ""
        uses_basic = header.lower().startswith("basic ")
        if uses_basic and not _readable_basic(header[6:]):
            raise InvalidClientError(
                "The Basic credentials are not base64 of UTF-8 text.", status_code=401
            )
        if uses_basic:
            if "client_secret" in request.form:
                raise InvalidRequestError(
                    "Use one client authentication method per request: HTTP Basic or "
                    "client_secret in the body, not both."
                )
            basic_id, _ = extract_basic_authorization(request.headers)
            body_id = request.form.get("client_id")
            if body_id is not None and body_id != basic_id:
                raise InvalidRequestError(
                    "The client_id in the body is not the one of the HTTP Basic credentials."
                )
            if "client_secret_basic" not in methods:
                raise InvalidClientError(
                    "This endpoint does not accept HTTP Basic client authentication.",
                    status_code=401,
                )
            methods = ["client_secret_basic"]
        try:
            return super().authenticate_client(request, methods, endpoint)
        except InvalidClientError as error:
            # RFC 6749 5.2: 401 + WWW-Authenticate when the client used HTTP Basic, else 400.
            header = request.headers.get("Authorization") or ""
            if not header.lower().startswith("basic "):
                error.status_code = 400
            raise

    # tokens -------------------------------------------------------------------------------

    def _generate_token(
        self,
        grant_type: str,
        client: Client,
        user: Member | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        settings = self.settings
        scope = scope or ""
        if grant_type == "client_credentials":
            ttl = settings.client_credentials_token_ttl
            issued = issue_access_token(
                self.session,
                settings,
                client_id=client.client_id,
                scope=scope,
                ttl=ttl,
                partner_id=client.row.partner_id,
            )
            return {
                "token_type": "Bearer",
                "access_token": issued.token,
                "expires_in": ttl,
                "scope": scope,
            }
        assert user is not None
        family_id = self.family_id or uuid.uuid4()
        self.family_id = family_id
        ttl = settings.access_token_ttl
        issued = issue_access_token(
            self.session,
            settings,
            client_id=client.client_id,
            scope=scope,
            ttl=ttl,
            member_id=user.id,
            family_id=family_id,
            auth_time=self.auth_time,
        )
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": issued.token,
            "expires_in": ttl,
            "scope": scope,
        }
        if include_refresh_token:
            refresh = new_token(32)
            now = utcnow()
            started = self.family_started_at or now
            expires_at = min(
                now + timedelta(seconds=settings.refresh_token_ttl),
                started + timedelta(seconds=settings.refresh_family_max_age),
            )
            self._pending_refresh = RefreshToken(
                token_digest=digest(refresh),
                family_id=family_id,
                client_id=client.client_id,
                member_id=user.id,
                scope=self.refresh_scope if self.refresh_scope is not None else scope,
                auth_time=self.auth_time,
                created_at=now,
                expires_at=expires_at,
            )
            token["refresh_token"] = refresh
        return token


def default_member_scopes(client: OAuthClient) -> list[str]:
    return [s for s in client.scopes if _audience(s) == ActorKind.MEMBER]


def metadata(settings: Settings) -> dict[str, Any]:
    """RFC 8414 authorization server metadata."""
    base = settings.issuer
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "introspection_endpoint": f"{base}/oauth/introspect",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": GRANT_TYPES,
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": list(SCOPES),
        "token_endpoint_auth_methods_supported": ALL_AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": ALL_AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": CONFIDENTIAL_AUTH_METHODS,
        "ui_locales_supported": ["en", "fr"],
        "authorization_response_iss_parameter_supported": False,
    }
