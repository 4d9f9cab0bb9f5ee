"""Structured JSON logs (one object per line), each with the request id when there is one."""

from __future__ import annotations

import logging
import sys

from c2c_api.config import Settings


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_json:
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # strawberry logs full tracebacks of every error; ours are logged once, with the request id.
    logging.getLogger("strawberry.execution").setLevel(logging.CRITICAL)
