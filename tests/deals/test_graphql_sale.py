"""The SALE journey over HTTP GraphQL as two members: offer, counter, accept, pay, ship,
receive, accept the item, pay out; idempotency keys replayed and reused."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from auth_factories import bearer, create_member_with_token
from c2c_api.db import Database
from deals_support import listing
from engagement_support import listing_gid

MEMBER = ["account:read", "listings:write", "offers:write", "orders:write", "messages:write"]


async def gql(
    client: httpx.AsyncClient, token: str, query: str, **variables: Any
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


ORDER_FIELDS = """
  id state stateLabel version
  availableTransitions { name label inputs { name kind required } }
  priceBreakdown { total { amount currency formatted } sellerNet { amount } }
  handover { method carrier trackingNumber handoverCode }
  timeline { transition toState actorRole }
  deadlines { action dueAt transition }
"""


class TestSaleOverGraphQL:
    async def test_offer_counter_accept_pay_ship_receive_complete(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seller, seller_token = await create_member_with_token(db, scopes=MEMBER)
        _, buyer_token = await create_member_with_token(db, scopes=MEMBER)
        item = await listing(db, seller, price=2000)

        made = await gql(
            client,
            buyer_token,
            'mutation($l: ID!) { makeOffer(listingId: $l, amount: 1500, currency: "EUR",'
            " handover: SHIPPING) { __typename ... on OfferSuccess { offer { id status } }"
            " ... on UserError { code fields } } }",
            l=listing_gid(item),
        )
        offer = made["makeOffer"]["offer"]
        assert offer["status"] == "PENDING"
        received = await gql(
            client,
            seller_token,
            "{ myOffers(direction: RECEIVED) { edges { node { id viewerCanAnswer } } } }",
        )
        assert received["myOffers"]["edges"][0]["node"] == {
            "id": offer["id"],
            "viewerCanAnswer": True,
        }
        countered = await gql(
            client,
            seller_token,
            "mutation($o: ID!) { counterOffer(offerId: $o, amount: 1800) { __typename"
            " ... on OfferSuccess { offer { id status madeBy"
            " counterOffersId: countersOfferId } } } }",
            o=offer["id"],
        )
        counter = countered["counterOffer"]["offer"]
        assert (counter["madeBy"], counter["counterOffersId"]) == ("SELLER", offer["id"])
        key = str(uuid.uuid4())
        accept = (
            "mutation($o: ID!, $k: String!) { acceptOffer(offerId: $o, idempotencyKey: $k) {"
            " __typename ... on AcceptOfferSuccess { order { id state priceBreakdown {"
            " total { amount } } } } ... on UserError { code } } }"
        )
        accepted = await gql(client, buyer_token, accept, o=counter["id"], k=key)
        order = accepted["acceptOffer"]["order"]
        # 18.00 + 3.00 shipping + 5 % of 18.00 + 0.70
        assert (order["state"], order["priceBreakdown"]["total"]["amount"]) == (
            "AWAITING_PAYMENT",
            1800 + 300 + 90 + 70,
        )
        again = await gql(client, buyer_token, accept, o=counter["id"], k=key)
        assert again["acceptOffer"]["order"]["id"] == order["id"]  # replayed, not run again
        other = await gql(client, buyer_token, accept, o=offer["id"], k=key)
        assert other["acceptOffer"] == {"__typename": "UserError", "code": "IDEMPOTENCY_KEY_REUSED"}

        pay = (
            'mutation($o: ID!, $k: String!) { payOrder(orderId: $o, paymentMethod: "card_success",'
            " idempotencyKey: $k) { __typename"
            f" ... on PayOrderSuccess {{ order {{ {ORDER_FIELDS} }} }}"
            " ... on UserError { code } } }"
        )
        pay_key = str(uuid.uuid4())
        paid = (await gql(client, buyer_token, pay, o=order["id"], k=pay_key))["payOrder"]
        assert paid["order"]["state"] == "PAID"
        replay = (await gql(client, buyer_token, pay, o=order["id"], k=pay_key))["payOrder"]
        assert replay["order"]["version"] == paid["order"]["version"]

        take = (
            "mutation($o: ID!, $t: String!, $k: String!, $i: OrderTransitionInput) {"
            " takeOrderTransition(orderId: $o, transition: $t, idempotencyKey: $k, input: $i) {"
            f" __typename ... on TakeOrderTransitionSuccess {{ order {{ {ORDER_FIELDS} }} }}"
            " ... on UserError { code fields } } }"
        )
        seller_view = await gql(
            client,
            seller_token,
            f"query($o: ID!) {{ node(id: $o) {{ ... on Order {{ {ORDER_FIELDS} }} }} }}",
            o=order["id"],
        )
        names = [t["name"] for t in seller_view["node"]["availableTransitions"]]
        assert names == ["ship", "arrange_meetup", "cancel_and_refund"]
        shipped = await gql(
            client,
            seller_token,
            take,
            o=order["id"],
            t="ship",
            k=str(uuid.uuid4()),
            i={"carrier": "Colissimo", "trackingNumber": "6A123"},
        )
        assert shipped["takeOrderTransition"]["order"]["state"] == "SHIPPED"
        for step in ("confirm_receipt", "accept_item"):
            done = await gql(client, buyer_token, take, o=order["id"], t=step, k=str(uuid.uuid4()))
        final = done["takeOrderTransition"]["order"]
        assert final["state"] == "COMPLETED"
        assert [e["transition"] for e in final["timeline"]] == [
            "created",
            "payment_succeeded",
            "ship",
            "confirm_receipt",
            "accept_item",
        ]
        assert final["deadlines"] == []

        balances = await gql(
            client, seller_token, "{ myBalances { currency available { amount } } }"
        )
        assert balances["myBalances"] == [{"currency": "EUR", "available": {"amount": 1800 + 300}}]
        payout = await gql(
            client,
            seller_token,
            'mutation($k: String!) { requestPayout(amount: 2100, currency: "EUR",'
            ' destination: "iban_fr76", idempotencyKey: $k) { __typename'
            " ... on RequestPayoutSuccess { payout { status amount { amount } } } } }",
            k=str(uuid.uuid4()),
        )
        assert payout["requestPayout"]["payout"] == {"status": "PAID", "amount": {"amount": 2100}}
        entries = await gql(
            client,
            seller_token,
            "{ myLedgerEntries(first: 10) { edges { node { account kind amount { amount } } } } }",
        )
        kinds = [e["node"]["kind"] for e in entries["myLedgerEntries"]["edges"]]
        assert kinds == ["payout.sent", "escrow.released"]
