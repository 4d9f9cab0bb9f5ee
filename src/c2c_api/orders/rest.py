"""REST for integrators who move money without GraphQL (docs/payments.md, "REST"):

    POST /v1/orders/{orderId}/payment   {"paymentMethod": "card_success"}   pay an order
    POST /v1/payouts                     {"amount", "currency", "destination"} pay out

Both need a bearer token with orders:write and an `Idempotency-Key` header (400 without it,
422 when reused with another body, 409 while the first is running; a replay carries
`Idempotent-Replayed: true`). Errors are RFC 9457 problems with the GraphQL error codes.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from c2c_api.auth.bearer import InvalidToken, authenticate
from c2c_api.authz import Actor, check_scopes, endpoint_scopes, require_scopes
from c2c_api.db import Database
from c2c_api.errors import InvalidInput, Unauthenticated
from c2c_api.idempotency.service import Claim, answer_work_once, caller_of
from c2c_api.orders import payments, service
from c2c_api.orders.graphql import order_uuid
from c2c_api.rest.idempotency import key_of, replay_headers
from c2c_api.wallet import service as wallet

MAX_BODY = 4096


async def caller(request: Request, endpoint: Any) -> Actor:
    try:
        actor = await authenticate(request, request.app.state.db)
    except InvalidToken:
        raise Unauthenticated("The access token is invalid, expired or revoked.") from None
    check_scopes(actor, endpoint_scopes(endpoint))
    return actor


async def json_object(request: Request) -> dict[str, Any]:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise InvalidInput("Send a JSON object of at most 4 KiB.")
    try:
        data = json.loads(body or b"null")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise InvalidInput("Send a JSON object of at most 4 KiB.")
    return data


def text_field(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value or len(value) > 200:
        raise InvalidInput("This field must be a text of 1 to 200 characters.", fields=[name])
    return value


@require_scopes("orders:write")
async def pay_order(request: Request) -> Response:
    """Pay an order awaiting payment (same rules as GraphQL payOrder)."""
    actor = await caller(request, pay_order)
    key = key_of(request)
    assert key is not None
    order_id = order_uuid(request.path_params["order_id"])
    method = text_field(await json_object(request), "paymentMethod")
    db: Database = request.app.state.db
    provider = payments.provider_for(db, request.app.state.settings)

    async def work(held: Claim) -> dict[str, Any]:
        return await payments.pay_order(
            db,
            actor,
            provider,
            order_id=order_id,
            payment_method=method,
            transaction=held.transaction,
            finish=held.complete,
        )

    answer = await answer_work_once(
        db,
        caller=caller_of(actor),
        key=key,
        operation="payOrder",
        arguments={"orderId": str(order_id), "paymentMethod": method},
        work=work,
    )
    value = answer.value
    async with db.sessionmaker() as session:
        found = await service.get_orders(session, actor, [uuid.UUID(value["orderId"])])
    order = found[uuid.UUID(value["orderId"])]
    body = {**value, "state": order.state, "version": order.version}
    return JSONResponse(body, headers=replay_headers(answer))


@require_scopes("orders:write")
async def request_payout(request: Request) -> Response:
    """Pay out part of the caller's available balance (same rules as GraphQL requestPayout)."""
    actor = await caller(request, request_payout)
    key = key_of(request)
    assert key is not None
    data = await json_object(request)
    amount = data.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput("Give an amount as a whole number of minor units.", fields=["amount"])
    currency = text_field(data, "currency")
    destination = text_field(data, "destination")
    db: Database = request.app.state.db
    provider = payments.provider_for(db, request.app.state.settings)

    async def work(held: Claim) -> dict[str, Any]:
        return await wallet.request_payout(
            db,
            actor,
            provider,
            amount=amount,
            currency=currency,
            destination=destination,
            transaction=held.transaction,
            finish=held.complete,
        )

    answer = await answer_work_once(
        db,
        caller=caller_of(actor),
        key=key,
        operation="requestPayout",
        arguments={"amount": amount, "currency": currency, "destination": destination},
        work=work,
    )
    value = answer.value
    async with db.sessionmaker() as session:
        found = await wallet.get_payouts(session, actor, [uuid.UUID(value["payoutId"])])
    payout = found[uuid.UUID(value["payoutId"])]
    body = {
        **value,
        "status": payout.status.value,
        "amount": payout.amount,
        "currency": payout.currency,
    }
    return JSONResponse(body, status_code=201, headers=replay_headers(answer))


def deal_routes() -> list[BaseRoute]:
    return [
        Route("/v1/orders/{order_id}/payment", pay_order, methods=["POST"]),
        Route("/v1/payouts", request_payout, methods=["POST"]),
    ]
