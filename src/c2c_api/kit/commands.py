"""What every `c2c-api` command group shares: validated settings and running a coroutine.

The root command (c2c_api/cli.py) registers the domains' groups (`register(main)`), so the
domains' cli modules import these helpers from here, never c2c_api.cli: one direction only.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable
from typing import TypeVar

import click
from pydantic import ValidationError

from c2c_api.config import Settings, format_settings_error, get_settings

T = TypeVar("T")


def load_settings() -> Settings:
    """Validated settings, or a clear message and exit status 2."""
    try:
        return get_settings()
    except ValidationError as exc:
        click.echo(format_settings_error(exc), err=True)
        sys.exit(2)


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]
