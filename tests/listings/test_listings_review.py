"""Fixes from the issue-3 review: naive end times, who may restore a removal, end-time edits
on live listings, photo changes in the history, the expiry command."""

from __future__ import annotations

from datetime import timedelta, timezone

import httpx
from listings_support import CREATE, UPDATE, gql, seed_categories, valid_input

from auth_factories import create_member_with_token
from c2c_api.db import Database
from c2c_api.kit.clock import utcnow

NAIVE_MESSAGE = "endsAt must carry a UTC offset (for example 2026-12-01T18:00:00Z)."


async def _create(client: httpx.AsyncClient, token: str, inp: dict) -> dict:
    return (await gql(client, CREATE, {"i": inp}, token=token))["createListing"]  # type: ignore[no-any-return]


class TestNaiveEndTimes:
    async def test_create_auction_with_naive_end_is_refused(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        _, seller = await create_member_with_token(db, scopes=["listings:write"])
        inp = valid_input("AUCTION")
        inp["auction"]["endsAt"] = (utcnow() + timedelta(days=3)).replace(tzinfo=None).isoformat()
        result = await _create(client, seller, inp)
        assert result["__typename"] == "UserError", result
        assert result["code"] == "INVALID_INPUT"
        assert result["fields"] == ["auction.endsAt"]
        assert result["message"] == NAIVE_MESSAGE

    async def test_create_group_buy_with_naive_end_is_refused(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        _, seller = await create_member_with_token(db, scopes=["listings:write"])
        inp = valid_input("GROUP_BUY")
        inp["groupBuy"]["endsAt"] = "2099-01-01T00:00:00"
        result = await _create(client, seller, inp)
        assert result["code"] == "INVALID_INPUT", result
        assert result["fields"] == ["groupBuy.endsAt"]

    async def test_update_with_naive_end_is_refused_and_offsets_are_accepted(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        _, seller = await create_member_with_token(db, scopes=["listings:write"])
        created = await _create(client, seller, valid_input("AUCTION"))
        gid = created["listing"]["id"]
        naive = (utcnow() + timedelta(days=2)).replace(tzinfo=None).isoformat()
        result = (
            await gql(
                client,
                UPDATE,
                {"id": gid, "v": 1, "i": {"auction": {"endsAt": naive}}},
                token=seller,
            )
        )["updateListing"]
        assert result["code"] == "INVALID_INPUT", result
        assert result["fields"] == ["auction.endsAt"]
        offset = (
            (utcnow() + timedelta(days=2))
            .replace(microsecond=0)
            .astimezone(timezone(timedelta(hours=5)))
        )
        result = (
            await gql(
                client,
                UPDATE,
                {"id": gid, "v": 1, "i": {"auction": {"endsAt": offset.isoformat()}}},
                token=seller,
            )
        )["updateListing"]
        assert result["__typename"] == "ListingSuccess", result
        assert result["listing"]["version"] == 2
