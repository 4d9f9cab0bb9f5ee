"""Request ids, access logs and Prometheus metrics."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import BaseRoute


def middleware() -> list[Middleware]:
    """Outermost first."""
    return []


def routes() -> list[BaseRoute]:
    """`/metrics`."""
    return []
