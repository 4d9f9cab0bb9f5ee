"""REST routes of payments: `POST /v1/payments/webhooks/{provider}` (provider notifications).

Answers 200 `{"status": "processed" | "ignored" | "duplicate" | "stale" | <handler's>,
"eventId"}`; problems: 400 WEBHOOK_SIGNATURE_INVALID / WEBHOOK_TOO_OLD / WEBHOOK_MALFORMED
(nothing recorded), 404 UNKNOWN_PAYMENT_PROVIDER, 413 REQUEST_TOO_LARGE (over 64 KiB), and a
handler's DomainError with its own status (nothing recorded: the provider retries).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from c2c_api.db import Database
from c2c_api.i18n import negotiate_locale, translate
from c2c_api.payments.errors import UnknownPaymentProvider
from c2c_api.payments.providers import PaymentProvider
from c2c_api.payments.webhooks import receive_webhook
from c2c_api.rest.problems import problem

WEBHOOK_PATH = "/v1/payments/webhooks/{provider}"
MAX_WEBHOOK_BYTES = 64 * 1024
NO_STORE = {"cache-control": "no-store"}


def _provider(request: Request) -> PaymentProvider:
    provider: PaymentProvider = request.app.state.payment_provider
    if request.path_params["provider"] != provider.name:
        raise UnknownPaymentProvider(context={"provider": request.path_params["provider"]})
    return provider


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is larger than `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(request: Request, limit: int) -> Response:
    return problem(
        413,
        detail=translate(
            f"The request body is larger than {limit} bytes.",
            negotiate_locale(request.headers.get("accept-language")),
        ),
        code="REQUEST_TOO_LARGE",
        request_id=str(getattr(request.state, "request_id", "")),
        headers={"connection": "close"},
    )


async def provider_webhook(request: Request) -> Response:
    """Receive a payment provider's webhook: verified, recorded once, applied in order."""
    provider = _provider(request)
    body = await _read_body(request, MAX_WEBHOOK_BYTES)
    if body is None:
        return _too_large(request, MAX_WEBHOOK_BYTES)
    db: Database = request.app.state.db
    receipt = await receive_webhook(db, provider, request.headers, body)
    return JSONResponse(receipt.as_json(), headers=NO_STORE)


def payment_routes() -> list[BaseRoute]:
    """The routes to mount in the app."""
    return [Route(WEBHOOK_PATH, provider_webhook, methods=["POST"])]
