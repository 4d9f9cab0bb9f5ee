"""Signed unsubscribe links: one member, one notification type, no sign-in needed.

A token is a compact JWS (HS256, joserfc: already our JOSE library, maintained, the one
authlib itself builds on; `authlib.jose` is deprecated) whose claims name the member (`sub`),
the type (`ntf`), its purpose (`aud`), when it was issued (`iat`) and until when it works
(`exp`, `C2C_UNSUBSCRIBE_LINK_TTL_DAYS`). The key is derived from `C2C_SECRET_KEY`: no database
read checks a signature, and changing the secret invalidates every link. A token can only turn
one type off; whether it is still honoured (revoked when the member turned the type back on
after it was issued) is the service's business.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from c2c_api.config import Settings
from c2c_api.kit.clock import utcnow
from c2c_api.notifications.models import NotificationType

UNSUBSCRIBE_PATH = "/v1/notifications/unsubscribe"
AUDIENCE = "c2c-api:unsubscribe"
ALGORITHM = "HS256"
# Tokens we issue are ~250 characters; anything much longer was not ours.
MAX_TOKEN = 2048
# Workers and API processes may disagree on the time a little (`iat` in the future, `exp`).
LEEWAY_SECONDS = 300


class BadLink(ValueError):
    """Not an unsubscribe token we issued, or an expired one."""


@dataclass(frozen=True)
class UnsubscribeClaim:
    member_id: uuid.UUID
    type: NotificationType
    issued_at: int  # seconds since the epoch


def _key(settings: Settings) -> OctKey:
    # A key of its own, derived from the secret: a token of another purpose never verifies.
    return OctKey.import_key(
        hashlib.sha256(b"c2c-api unsubscribe link v1\x00" + settings.secret_key.encode()).digest()
    )


def sign_unsubscribe(
    settings: Settings,
    *,
    member_id: uuid.UUID,
    type: NotificationType,
    now: datetime | None = None,
) -> str:
    """A token that turns `type` off for `member_id`."""
    issued = now or utcnow()
    expires = issued + timedelta(days=settings.unsubscribe_link_ttl_days)
    claims = {
        "aud": AUDIENCE,
        "sub": str(member_id),
        "ntf": type.value,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return jwt.encode({"alg": ALGORITHM}, claims, _key(settings), algorithms=[ALGORITHM])


def read_unsubscribe(settings: Settings, token: str) -> UnsubscribeClaim:
    """The claim of a token we issued and that has not expired; BadLink otherwise."""
    if not token or len(token) > MAX_TOKEN or not token.isascii():
        raise BadLink("malformed token")
    try:
        decoded = jwt.decode(token, _key(settings), algorithms=[ALGORITHM])
        registry = jwt.JWTClaimsRegistry(
            now=int(utcnow().timestamp()),
            leeway=LEEWAY_SECONDS,
            aud={"essential": True, "value": AUDIENCE},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
        )
        registry.validate(decoded.claims)
        claims = decoded.claims
        return UnsubscribeClaim(
            member_id=uuid.UUID(str(claims["sub"])),
            type=NotificationType(str(claims["ntf"])),
            issued_at=int(claims["iat"]),
        )
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise BadLink(str(exc)) from exc


def unsubscribe_url(settings: Settings, token: str) -> str:
    """The page that confirms (GET) and performs (POST, RFC 8058 one-click) an unsubscribe."""
    return f"{settings.issuer}{UNSUBSCRIBE_PATH}?{urlencode({'token': token})}"


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 `List-Unsubscribe` and RFC 8058 one-click `List-Unsubscribe-Post`."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def web_url(settings: Settings) -> str:
    """The public origin of the web front end (links to conversations), else the issuer."""
    return settings.public_web_url or settings.issuer
