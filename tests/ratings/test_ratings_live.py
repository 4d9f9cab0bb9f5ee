"""`ratingRevealed` over graphql-transport-ws: both members of an order hear the reveal (by
the second rating, and by the window's timer), each rating once; a stranger hears nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from starlette.applications import Starlette
from strawberry.relay import to_base64

from auth_factories import member_tokens
from c2c_api.db import Database
from c2c_api.kit.clock import clock
from c2c_api.users.models import Member
from deals_support import member
from ratings_support import completed_deal, rate
from subscriptions.ws_support import init, receive, subscribe, ws_client
from worker_support import relay

WATCH = "subscription { ratingRevealed { id score revealedAt ratedAs rater { id } } }"
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def token_of(db: Database, who: Member) -> str:
    tokens = await member_tokens(db, member=who, scopes=["ratings:write"])
    return str(tokens["access_token"])


async def heard(ws, count: int) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    out = []
    for _ in range(count):
        message = await receive(ws)
        assert message["type"] == "next", message
        out.append(message["payload"]["data"]["ratingRevealed"])
    return out


class TestRatingRevealed:
    async def test_both_members_hear_both_ratings_when_the_second_arrives(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        app, url = live
        deal = await completed_deal(db)
        stranger, _ = await member(db)
        first = await rate(db, deal.as_buyer, deal.order, 4)
        await relay(db, app)  # nothing is revealed yet: nothing relayed
        async with (
            ws_client(url) as buyer_ws,
            ws_client(url) as seller_ws,
            ws_client(url) as stranger_ws,
        ):
            for ws, who in (
                (buyer_ws, deal.buyer),
                (seller_ws, deal.seller),
                (stranger_ws, stranger),
            ):
                assert (await init(ws, await token_of(db, who)))["type"] == "connection_ack"
                await subscribe(ws, WATCH)
            await asyncio.sleep(0.2)  # the subscriptions reach the broker
            second = await rate(db, deal.as_seller, deal.order, 5)
            await relay(db, app)
            for ws in (buyer_ws, seller_ws):
                got = {r["id"]: r for r in await heard(ws, 2)}
                assert got.keys() == {to_base64("Rating", first.id), to_base64("Rating", second.id)}
                assert got[to_base64("Rating", first.id)]["score"] == 4
                assert got[to_base64("Rating", second.id)]["ratedAs"] == "BUYER"
                assert all(r["revealedAt"] is not None for r in got.values())
            with pytest.raises(TimeoutError):
                await receive(stranger_ws, timeout=0.5)

    async def test_the_window_timer_reveal_is_heard_too(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        app, url = live
        clock.freeze(T0)
        deal = await completed_deal(db)
        lone = await rate(db, deal.as_seller, deal.order, 3)
        token = await token_of(db, deal.buyer)
        async with ws_client(url) as ws:
            assert (await init(ws, token))["type"] == "connection_ack"
            await subscribe(ws, WATCH)
            await asyncio.sleep(0.2)
            clock.freeze(T0 + timedelta(days=14))
            await relay(db, app)
            [rating] = await heard(ws, 1)
        assert rating["id"] == to_base64("Rating", lone.id)
        assert rating["score"] == 3
        assert rating["rater"] == {"id": to_base64("Member", deal.seller.id)}
