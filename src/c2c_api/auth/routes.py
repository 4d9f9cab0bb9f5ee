"""HTTP routes of the authorization server and the hosted account pages."""

from __future__ import annotations

from starlette.routing import BaseRoute


def auth_routes() -> list[BaseRoute]:
    """OAuth endpoints, .well-known documents, login/consent/account pages."""
    return []
