"""Structured JSON logs (one object per line), each with the request id when there is one.

The request id lives in a contextvar set by the request-id middleware (observability.py);
`RequestIdFilter` copies it onto every record, so any logger used while serving a request
(ours, SQLAlchemy's, authlib's) carries it without passing it around.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

from c2c_api.config import Settings

request_id_var: ContextVar[str] = ContextVar("c2c_request_id", default="")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (keeps one passed explicitly with `extra=`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True


def configure_logging(settings: Settings) -> None:
    """Log to stderr: JSON lines (default) or plain text (`C2C_LOG_JSON=false`)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if settings.log_json:
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                timestamp=False,
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # strawberry logs full tracebacks of every error; ours are logged once, with the request id.
    logging.getLogger("strawberry.execution").setLevel(logging.CRITICAL)
    # uvicorn's own access log is off (`access_log=False`); ours is `c2c_api.access`.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
