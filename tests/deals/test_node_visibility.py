"""`node(id:)` on the deal types: an Order, an Offer, a Payout or a LedgerEntry is seen by whom
may see it and is null for anyone else (never an error: null says nothing of existence)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    get_named_type,
)
from strawberry import relay

from auth_factories import (
    ALL_PARTNER_SCOPES,
    bearer,
    create_member_with_token,
    member_tokens,
    partner_token,
)
from c2c_api.db import Database
from c2c_api.graphql.schema import build_schema
from c2c_api.ledger.models import LedgerEntry
from c2c_api.ledger.service import member_available
from c2c_api.offers import service as offers
from c2c_api.orders import payments
from c2c_api.orders import service as orders
from c2c_api.orders.models import Handover, Order
from c2c_api.payments.fees import FeeSchedule
from c2c_api.users.models import Member
from c2c_api.wallet import service as wallet
from deals_support import act, listing, pay
from factories import member_actor

MEMBER = ["account:read", "listings:write", "offers:write", "orders:write", "messages:write"]


@dataclass
class Deal:
    """A SALE made from an accepted offer, paid, completed and paid out, and its tokens."""

    tokens: dict[str, str]
    order: str
    offer: str
    payout: str
    entry: str


async def _deal(db: Database) -> Deal:
    seller, seller_token = await create_member_with_token(db, scopes=MEMBER)
    buyer, buyer_token = await create_member_with_token(db, scopes=MEMBER)
    _, stranger_token = await create_member_with_token(db, scopes=MEMBER)
    _, partner = await partner_token(db, scopes=ALL_PARTNER_SCOPES)
    _, disputes_token = await create_member_with_token(db, scopes=["admin:disputes"], operator=True)
    _, moderator_token = await create_member_with_token(
        db, scopes=["admin:moderation"], operator=True
    )
    seller_offers_only = await _token_of(db, seller.id, ["offers:write"])
    seller_read_only = await _token_of(db, seller.id, ["account:read"])
    buyer_read_only = await _token_of(db, buyer.id, ["account:read"])
    as_seller, as_buyer = member_actor(seller), member_actor(buyer)

    item = await listing(db, seller, price=2000)
    async with db.transaction() as session:
        made = await offers.make_offer(
            session,
            as_buyer,
            listing_id=item.id,
            amount=1500,
            currency="EUR",
            handover=Handover.SHIPPING,
            fees=FeeSchedule(),
        )
    async with db.transaction() as session:
        accepted = await offers.accept_offer(
            session, as_seller, offer_id=made.offer.id, fees=FeeSchedule()
        )
    order: Order | None = accepted.order
    assert order is not None
    await pay(db, as_buyer, order)
    await act(db, as_seller, order, "ship", carrier="La Poste", trackingNumber="X1")
    await act(db, as_buyer, order, "confirm_receipt")
    order = await act(db, as_buyer, order, "accept_item")
    provider = payments.provider_for(db, db.settings)
    paid_out = await wallet.request_payout(
        db, as_seller, provider, amount=order.seller_net, currency="EUR", destination="iban1"
    )
    async with db.sessionmaker() as session:
        entries = await wallet.ledger_entries(
            session, as_seller, currency=None, limit=1, after=None
        )
        entry: LedgerEntry = entries.items[0]
    assert entry.account == member_available(seller.id)
    return Deal(
        tokens={
            "seller": seller_token,
            "buyer": buyer_token,
            "stranger": stranger_token,
            "partner": partner,
            "operator with admin:disputes": disputes_token,
            "operator without admin:disputes": moderator_token,
            "seller with offers:write only": seller_offers_only,
            "seller with account:read only": seller_read_only,
            "buyer with account:read only": buyer_read_only,
        },
        order=relay.to_base64("Order", order.id),
        offer=relay.to_base64("Offer", made.offer.id),
        payout=relay.to_base64("Payout", paid_out["payoutId"]),
        entry=relay.to_base64("LedgerEntry", entry.id),
    )


async def _token_of(db: Database, member_id: uuid.UUID, scopes: list[str]) -> str:
    """Another token of an existing member, with only these scopes."""
    async with db.sessionmaker() as session:
        member = await session.get(Member, member_id)
    assert member is not None
    tokens = await member_tokens(db, member=member, scopes=scopes)
    token: str = tokens["access_token"]
    return token


NODE = "query($id: ID!) { node(id: $id) { __typename id } }"


async def _node(client: httpx.AsyncClient, token: str, gid: str) -> Any:
    response = await client.post(
        "/graphql", json={"query": NODE, "variables": {"id": gid}}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    node = body["data"]["node"]
    if node is not None:
        assert node["id"] == gid
        return node["__typename"]
    return None


async def _seen_by(client: httpx.AsyncClient, deal: Deal, gid: str) -> dict[str, bool]:
    return {who: await _node(client, token, gid) is not None for who, token in deal.tokens.items()}


@pytest.fixture
async def deal(db: Database) -> Deal:
    return await _deal(db)


class TestNodeVisibility:
    async def test_an_order_is_seen_by_its_parties_and_dispute_operators(
        self, deal: Deal, client: httpx.AsyncClient
    ) -> None:
        assert await _node(client, deal.tokens["buyer"], deal.order) == "Order"
        assert await _seen_by(client, deal, deal.order) == {
            "seller": True,
            "buyer": True,
            "stranger": False,
            "partner": False,
            "operator with admin:disputes": True,
            "operator without admin:disputes": False,
            "seller with offers:write only": False,
            "seller with account:read only": False,
            "buyer with account:read only": False,
        }

    async def test_an_offer_is_seen_by_its_two_parties_only(
        self, deal: Deal, client: httpx.AsyncClient
    ) -> None:
        assert await _node(client, deal.tokens["seller"], deal.offer) == "Offer"
        assert await _seen_by(client, deal, deal.offer) == {
            "seller": True,
            "buyer": True,
            "stranger": False,
            "partner": False,
            "operator with admin:disputes": False,
            "operator without admin:disputes": False,
            "seller with offers:write only": True,
            "seller with account:read only": False,  # myOffers needs offers:write
            "buyer with account:read only": False,
        }

    async def test_a_payout_is_seen_by_its_owner_only(
        self, deal: Deal, client: httpx.AsyncClient
    ) -> None:
        assert await _node(client, deal.tokens["seller"], deal.payout) == "Payout"
        assert await _seen_by(client, deal, deal.payout) == {
            "seller": True,
            "buyer": False,
            "stranger": False,
            "partner": False,
            "operator with admin:disputes": False,
            "operator without admin:disputes": False,
            "seller with offers:write only": False,  # myPayouts needs orders:write
            "seller with account:read only": False,
            "buyer with account:read only": False,
        }

    async def test_a_ledger_entry_is_seen_by_its_owner_only(
        self, deal: Deal, client: httpx.AsyncClient
    ) -> None:
        assert await _node(client, deal.tokens["seller"], deal.entry) == "LedgerEntry"
        assert await _seen_by(client, deal, deal.entry) == {
            "seller": True,
            "buyer": False,
            "stranger": False,
            "partner": False,
            "operator with admin:disputes": False,
            "operator without admin:disputes": False,
            "seller with offers:write only": False,  # myLedgerEntries needs orders:write
            "seller with account:read only": False,
            "buyer with account:read only": False,
        }

    async def test_an_unknown_id_of_each_type_is_null(
        self, deal: Deal, client: httpx.AsyncClient
    ) -> None:
        nil = "00000000-0000-0000-0000-000000000000"
        for type_name in ("Order", "Offer", "Payout", "LedgerEntry"):
            gid = relay.to_base64(type_name, nil)
            for who in ("seller", "operator with admin:disputes"):
                assert await _node(client, deal.tokens[who], gid) is None, (type_name, who)


class TestFieldsOfVisibleNodes:
    async def test_an_offer_whose_order_the_token_may_not_see_shows_null(
        self, deal: Deal, client: httpx.AsyncClient
    ) -> None:
        """offers:write without orders:write: the offer is seen, its order is not."""
        query = "query($id: ID!) { node(id: $id) { ... on Offer { status order { id } } } }"
        for who, order in [("seller", deal.order), ("seller with offers:write only", None)]:
            response = await client.post(
                "/graphql",
                json={"query": query, "variables": {"id": deal.offer}},
                headers=bearer(deal.tokens[who]),
            )
            body = response.json()
            assert "errors" not in body, (who, body)
            node = body["data"]["node"]
            assert node["status"] == "ACCEPTED"
            assert (node["order"] or {}).get("id") == order, who

    async def test_every_field_of_an_order_resolves_for_each_viewer(
        self, deal: Deal, client: httpx.AsyncClient
    ) -> None:
        order_type = build_schema()._schema.get_type("Order")
        assert order_type is not None
        selection = " ".join(_selection(order_type))
        query = f"query($id: ID!) {{ node(id: $id) {{ ... on Order {{ {selection} }} }} }}"
        for who in ("seller", "buyer", "operator with admin:disputes"):
            response = await client.post(
                "/graphql",
                json={"query": query, "variables": {"id": deal.order}},
                headers=bearer(deal.tokens[who]),
            )
            body = response.json()
            assert "errors" not in body, (who, body)
            assert body["data"]["node"]["id"] == deal.order


def _selection(type_: Any, depth: int = 0) -> list[str]:
    """Every field without arguments, objects down to two levels (ids only below)."""
    out: list[str] = []
    for name, f in type_.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) for a in f.args.values()):
            continue
        named = get_named_type(f.type)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            if depth >= 1:
                continue
            inner = _selection(named, depth + 1) or ["__typename"]
            out.append(f"{name} {{ __typename {' '.join(inner)} }}")
        elif isinstance(named, GraphQLUnionType):
            out.append(f"{name} {{ __typename }}")
        else:
            out.append(name)
    return out


class TestAcceptOfferWithoutOrdersScope:
    async def test_the_order_is_created_and_shown_as_null(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        """A seller's token with offers:write only accepts; it may not see orders."""
        seller, _ = await create_member_with_token(db, scopes=MEMBER)
        buyer, _ = await create_member_with_token(db, scopes=MEMBER)
        offers_only = await _token_of(db, seller.id, ["offers:write"])
        item = await listing(db, seller, price=2000)
        async with db.transaction() as session:
            made = await offers.make_offer(
                session,
                member_actor(buyer),
                listing_id=item.id,
                amount=1500,
                currency="EUR",
                handover=Handover.SHIPPING,
                fees=FeeSchedule(),
            )
        response = await client.post(
            "/graphql",
            json={
                "query": 'mutation($o: ID!) { acceptOffer(offerId: $o, idempotencyKey: "k1") {'
                " __typename ... on AcceptOfferSuccess { offer { status } order { id } } } }",
                "variables": {"o": relay.to_base64("Offer", made.offer.id)},
            },
            headers=bearer(offers_only),
        )
        body = response.json()
        assert "errors" not in body, body
        assert body["data"]["acceptOffer"] == {
            "__typename": "AcceptOfferSuccess",
            "offer": {"status": "ACCEPTED"},
            "order": None,
        }
        async with db.sessionmaker() as session:
            page = await orders.orders_of_member(
                session, member_actor(buyer), as_buyer=True, states=None, limit=5, after=None
            )
        assert [o.listing_id for o in page.items] == [item.id]
