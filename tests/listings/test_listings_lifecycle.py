"""Who may do what along the lifecycle; expiry; concurrent edits; statements per page."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from listings_support import (
    CREATE,
    NODE,
    UPDATE,
    count_rows,
    gql,
    lifecycle,
    seed_categories,
    valid_input,
)
from sqlalchemy import event

from auth_factories import create_member_with_token, create_partner, partner_token
from c2c_api.authz import Actor, ActorKind
from c2c_api.db import Database
from c2c_api.errors import DomainError
from c2c_api.kit.clock import clock, utcnow
from c2c_api.listings import service
from c2c_api.listings.errors import VersionConflict


async def _draft(client: httpx.AsyncClient, token: str, kind: str = "SALE") -> str:
    result = (await gql(client, CREATE, {"i": valid_input(kind)}, token=token))["createListing"]
    assert result["__typename"] == "ListingSuccess", result
    return str(result["listing"]["id"])


async def _do(client: httpx.AsyncClient, name: str, gid: str, token: str, **extra: str) -> dict:
    variables = {"id": gid, **({"r": extra["reason"]} if "reason" in extra else {})}
    return (await gql(client, lifecycle(name), variables, token=token))[name]  # type: ignore[no-any-return]


class TestLifecyclePermissions:
    async def test_owner_walks_the_lifecycle(self, client: httpx.AsyncClient, db: Database) -> None:
        await seed_categories(db)
        _, owner = await create_member_with_token(db, scopes=["listings:write"])
        gid = await _draft(client, owner)
        for name, status in [
            ("publishListing", "PUBLISHED"),
            ("pauseListing", "PAUSED"),
            ("resumeListing", "PUBLISHED"),
            ("closeListing", "CLOSED"),
        ]:
            result = await _do(client, name, gid, owner)
            assert result["listing"]["status"] == status, result
        again = await _do(client, "pauseListing", gid, owner)
        assert again["code"] == "LISTING_NOT_EDITABLE"
        edit = (await gql(client, UPDATE, {"id": gid, "v": 5, "i": {"title": "x"}}, token=owner))[
            "updateListing"
        ]
        assert edit["code"] == "LISTING_NOT_EDITABLE"

    async def test_another_member_cannot_touch_it(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        _, owner = await create_member_with_token(db, scopes=["listings:write"])
        _, other = await create_member_with_token(db, scopes=["listings:write"])
        gid = await _draft(client, owner)
        # A draft is invisible to others: NOT_FOUND, not FORBIDDEN.
        assert (await _do(client, "publishListing", gid, other))["code"] == "NOT_FOUND"
        assert (await gql(client, NODE, {"id": gid}, token=other))["node"] is None
        await _do(client, "publishListing", gid, owner)
        assert (await _do(client, "pauseListing", gid, other))["code"] == "FORBIDDEN"
        assert await count_rows(db, "listing_revisions") == 2

    async def test_storefront_partner_moderates_its_listings_only(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        shop = await create_partner(db)
        _, owner = await create_member_with_token(db, scopes=["listings:write"], partner=shop)
        _, shop_token = await partner_token(db, scopes=["partner:catalog"], partner=shop)
        _, other_shop = await partner_token(db, scopes=["partner:catalog"])
        gid = await _draft(client, owner)
        node = (await gql(client, NODE, {"id": gid}, token=shop_token))["node"]
        assert node["storefront"]["id"] and node["status"] == "DRAFT"  # the shop sees drafts
        assert (await gql(client, NODE, {"id": gid}, token=other_shop))["node"] is None
        await _do(client, "publishListing", gid, owner)
        refused = await _do(client, "removeListing", gid, other_shop, reason="spam")
        assert refused["code"] == "FORBIDDEN"
        removed = await _do(client, "removeListing", gid, shop_token, reason="counterfeit")
        assert removed["listing"]["status"] == "REMOVED"
        assert (await gql(client, NODE, {"id": gid}))["node"] is None  # hidden from the public
        assert (await gql(client, NODE, {"id": gid}, token=owner))["node"]["status"] == "REMOVED"
        restored = await _do(client, "restoreListing", gid, shop_token)
        assert restored["listing"]["status"] == "PUBLISHED"
        listed = await gql(
            client,
            "{ storefrontListings(first: 10) { edges { node { id } } } }",
            token=shop_token,
        )
        assert [e["node"]["id"] for e in listed["storefrontListings"]["edges"]] == [gid]

    async def test_operator_removes_and_owner_cannot_edit_removed(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        _, owner = await create_member_with_token(db, scopes=["listings:write"])
        _, operator = await create_member_with_token(db, scopes=["admin:moderation"], operator=True)
        gid = await _draft(client, owner)
        await _do(client, "publishListing", gid, owner)
        assert (await _do(client, "removeListing", gid, operator, reason="scam"))["listing"][
            "status"
        ] == "REMOVED"
        assert (await _do(client, "resumeListing", gid, owner))["code"] == "LISTING_NOT_EDITABLE"
        query = (
            "query($id: ID!) { node(id: $id) { ... on Listing { history { action snapshot } } } }"
        )
        history = (await gql(client, query, {"id": gid}, token=operator))["node"]["history"]
        assert history[0]["action"] == "removed"
        assert history[0]["snapshot"]["moderation_reason"] == "scam"


class TestExpiry:
    async def test_overdue_reads_expired_then_the_worker_writes_it(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        _, owner = await create_member_with_token(db, scopes=["listings:write"])
        gid = await _draft(client, owner, "AUCTION")
        await _do(client, "publishListing", gid, owner)
        clock.freeze(utcnow() + timedelta(days=8))
        assert (await gql(client, NODE, {"id": gid}))["node"]["status"] == "EXPIRED"
        async with db.transaction() as session:
            assert await service.expire_due_listings(session, utcnow()) == 1
        async with db.transaction() as session:
            assert await service.expire_due_listings(session, utcnow()) == 0
        assert await count_rows(db, "listing_revisions") == 3


class TestConcurrentUpdates:
    async def test_same_expected_version_exactly_one_wins(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        member, owner = await create_member_with_token(db, scopes=["listings:write"])
        gid = await _draft(client, owner)
        from strawberry import relay

        listing_id = __import__("uuid").UUID(relay.GlobalID.from_id(gid).node_id)
        actor = Actor(
            kind=ActorKind.MEMBER, scopes=frozenset({"listings:write"}), member_id=member.id
        )

        async def edit(title: str) -> str:
            try:
                async with db.transaction() as session:
                    await service.update_listing(
                        session,
                        actor,
                        listing_id=listing_id,
                        expected_version=1,
                        values={"title": title},
                    )
                    await asyncio.sleep(0.05)  # hold the row while the other one tries
                return "ok"
            except VersionConflict:
                return "conflict"
            except DomainError as error:  # pragma: no cover - shown on failure
                return error.code.value

        outcomes = await asyncio.gather(edit("A"), edit("B"))
        assert sorted(outcomes) == ["conflict", "ok"]
        assert await count_rows(db, "listing_revisions") == 2


class TestStatementsPerPage:
    async def test_a_page_costs_the_same_whatever_its_size(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        _, owner = await create_member_with_token(db, scopes=["listings:write"])
        for _ in range(12):
            await _draft(client, owner)
        query = (
            "query($n: Int!) { myListings(first: $n) { edges { node { id title"
            " category { name path { slug } } seller { displayName } storefront { slug }"
            " photos { id } favoriteCount questions(first: 2) { edges { node { id } } }"
            " ... on SaleListing { price { formatted } } } } } }"
        )
        counts = []
        for size in (3, 12):
            statements: list[str] = []

            def count(conn, cursor, statement, *args, _seen=statements):  # type: ignore[no-untyped-def]
                _seen.append(statement)

            event.listen(db.engine.sync_engine, "before_cursor_execute", count)
            try:
                data = await gql(client, query, {"n": size}, token=owner)
            finally:
                event.remove(db.engine.sync_engine, "before_cursor_execute", count)
            assert len(data["myListings"]["edges"]) == size
            counts.append(len([s for s in statements if s.lstrip().upper().startswith("SELECT")]))
        assert counts[0] == counts[1], counts
