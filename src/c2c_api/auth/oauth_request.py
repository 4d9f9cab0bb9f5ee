"""What authlib sees of an HTTP request, read on the event loop before authlib runs in a thread.

Also the client authentication methods each endpoint accepts (shared by grants and endpoints).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from authlib.oauth2.rfc6749 import OAuth2Request
from starlette.datastructures import Headers

CONFIDENTIAL_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
ALL_AUTH_METHODS = [*CONFIDENTIAL_AUTH_METHODS, "none"]

# No OAuth parameter holds control characters; PostgreSQL refuses NUL in text outright.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# RFC 6749 appendix A: these are printable ASCII (VSCHAR/NQCHAR, URI-reference).
ASCII_PARAMETERS = frozenset(
    {
        "client_id",
        "client_secret",
        "response_type",
        "redirect_uri",
        "scope",
        "state",
        "code",
        "code_challenge",
        "code_challenge_method",
        "code_verifier",
        "grant_type",
        "refresh_token",
        "nonce",
        "response_mode",
    }
)
_NOT_VSCHAR = re.compile(r"[^\x20-\x7e]")


def has_control_characters(pairs: Iterable[tuple[str, str]]) -> bool:
    """Whether a name or a value of these parameters holds a control character."""
    return any(CONTROL_CHARACTERS.search(k) or CONTROL_CHARACTERS.search(v) for k, v in pairs)


def unreadable_parameter(pairs: Iterable[tuple[str, str]]) -> str | None:
    """The first parameter holding characters it may not hold (control characters anywhere,
    non-ASCII in the RFC 6749 parameters), or None. Such requests are refused at the edge."""
    for name, value in pairs:
        if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value):
            return name
        if name in ASCII_PARAMETERS and _NOT_VSCHAR.search(value):
            return name
    return None


@dataclass(frozen=True)
class HttpInput:
    """What authlib needs from an HTTP request, read on the event loop beforehand."""

    method: str
    uri: str  # issuer-based URI of the endpoint (authlib checks it is https or loopback)
    headers: Headers
    query: Sequence[tuple[str, str]] = ()
    form: Sequence[tuple[str, str]] = ()


def _first(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in pairs:
        out.setdefault(key, value)
    return out


def _lists(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


class _Payload:
    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self._data = _first(pairs)
        self._datalist = _lists(pairs)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:
        return self._datalist

    @property
    def client_id(self) -> str | None:
        return self._data.get("client_id")

    @property
    def response_type(self) -> str | None:
        rt = self._data.get("response_type")
        if rt and " " in rt:
            return " ".join(sorted(rt.split()))
        return rt

    @property
    def grant_type(self) -> str | None:
        return self._data.get("grant_type")

    @property
    def redirect_uri(self) -> str | None:
        return self._data.get("redirect_uri")

    @property
    def scope(self) -> str | None:
        return self._data.get("scope")

    @property
    def state(self) -> str | None:
        return self._data.get("state")


class StarletteOAuth2Request(OAuth2Request):
    def __init__(self, data: HttpInput) -> None:
        super().__init__(data.method, data.uri, headers=data.headers)
        self._args = _first(data.query)
        self._form = _first(data.form)
        # The authorization endpoint reads query and form; the others, the form body only.
        self.payload = _Payload([*data.query, *data.form])

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form
