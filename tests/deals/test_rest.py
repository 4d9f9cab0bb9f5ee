"""REST money moves for integrators: POST /v1/orders/{id}/payment and POST /v1/payouts with
`Idempotency-Key` (400 without it, 422 reused, a replay marked `Idempotent-Replayed`)."""

from __future__ import annotations

import uuid

import httpx
from strawberry.relay import to_base64

from auth_factories import bearer, create_member_with_token
from c2c_api.db import Database
from deals_support import act, buy, listing, pay, reload
from factories import member_actor

MEMBER = ["account:read", "listings:write", "offers:write", "orders:write"]


class TestPayOverRest:
    async def test_pay_replay_reuse_and_missing_key(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seller, _ = await create_member_with_token(db, scopes=MEMBER)
        buyer, token = await create_member_with_token(db, scopes=MEMBER)
        order = await buy(db, member_actor(buyer), await listing(db, seller))
        url = f"/v1/orders/{to_base64('Order', order.id)}/payment"
        body = {"paymentMethod": "card_success"}
        missing = await client.post(url, json=body, headers=bearer(token))
        assert (missing.status_code, missing.json()["code"]) == (400, "IDEMPOTENCY_KEY_REQUIRED")
        key = {"Idempotency-Key": str(uuid.uuid4()), **bearer(token)}
        first = await client.post(url, json=body, headers=key)
        assert (first.status_code, first.json()["state"]) == (200, "PAID")
        again = await client.post(url, json=body, headers=key)
        assert again.status_code == 200
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["paymentId"] == first.json()["paymentId"]
        other = await client.post(url, json={"paymentMethod": "card_decline"}, headers=key)
        assert (other.status_code, other.json()["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")
        twice = await client.post(
            url, json=body, headers={"Idempotency-Key": str(uuid.uuid4()), **bearer(token)}
        )
        assert (twice.status_code, twice.json()["code"]) == (409, "ORDER_NOT_PAYABLE")

    async def test_a_declined_card_is_a_problem_and_is_replayed_as_such(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seller, _ = await create_member_with_token(db, scopes=MEMBER)
        buyer, token = await create_member_with_token(db, scopes=MEMBER)
        order = await buy(db, member_actor(buyer), await listing(db, seller))
        url = f"/v1/orders/{to_base64('Order', order.id)}/payment"
        key = {"Idempotency-Key": "decline-1", **bearer(token)}
        first = await client.post(url, json={"paymentMethod": "card_decline"}, headers=key)
        assert (first.status_code, first.json()["code"]) == (409, "PAYMENT_DECLINED")
        again = await client.post(url, json={"paymentMethod": "card_decline"}, headers=key)
        assert (again.status_code, again.json()["code"]) == (409, "PAYMENT_DECLINED")
        assert again.headers["idempotent-replayed"] == "true"
        assert (await reload(db, order)).state == "AWAITING_PAYMENT"

    async def test_bad_bodies_and_tokens(self, db: Database, client: httpx.AsyncClient) -> None:
        _, token = await create_member_with_token(db, scopes=["account:read"])
        url = f"/v1/orders/{to_base64('Order', uuid.uuid4())}/payment"
        key = {"Idempotency-Key": "k1"}
        anonymous = await client.post(url, json={}, headers=key)
        assert anonymous.status_code == 401
        no_scope = await client.post(url, json={}, headers={**key, **bearer(token)})
        assert no_scope.status_code == 403
        _, token = await create_member_with_token(db, scopes=MEMBER)
        for content in (b"[1]", b"not json", b"x" * 5000):
            bad = await client.post(url, content=content, headers={**key, **bearer(token)})
            assert bad.status_code == 422, bad.text
        unknown = await client.post(
            url, json={"paymentMethod": "card_success"}, headers={**key, **bearer(token)}
        )
        assert (unknown.status_code, unknown.json()["code"]) == (404, "ORDER_NOT_FOUND")


class TestPayoutOverRest:
    async def test_a_payout_of_the_available_balance(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seller, token = await create_member_with_token(db, scopes=MEMBER)
        buyer, _ = await create_member_with_token(db, scopes=MEMBER)
        order = await buy(db, member_actor(buyer), await listing(db, seller))
        await pay(db, member_actor(buyer), order)
        await act(db, member_actor(seller), order, "ship", carrier="A", trackingNumber="B")
        order = await act(db, member_actor(buyer), order, "accept_item")
        headers = {"Idempotency-Key": str(uuid.uuid4()), **bearer(token)}
        body = {"amount": order.seller_net, "currency": "EUR", "destination": "iban_1"}
        paid = await client.post("/v1/payouts", json=body, headers=headers)
        assert (paid.status_code, paid.json()["status"]) == (201, "PAID")
        more = await client.post(
            "/v1/payouts",
            json={**body, "amount": 1},
            headers={"Idempotency-Key": str(uuid.uuid4()), **bearer(token)},
        )
        assert (more.status_code, more.json()["code"]) == (409, "INSUFFICIENT_FUNDS")
        for amount in (0, -1, 10**12 + 1, 1.5, "10"):
            bad = await client.post(
                "/v1/payouts",
                json={**body, "amount": amount},
                headers={"Idempotency-Key": str(uuid.uuid4()), **bearer(token)},
            )
            assert bad.status_code == 422, (amount, bad.text)
