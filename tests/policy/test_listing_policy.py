"""The listing policy (authz.ListingPolicy): the Python predicate and the SQL clause agree.

A grid of listings, every status x {no end, end ahead, past `ends_at`, past `expires_at`} x
{marketplace, storefront}, is written to the database; for every kind of caller, the rows the
SQL clause selects are exactly those the predicate accepts, and both match the table of
docs/listings.md ("Who sees what").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from auth_factories import create_member, create_partner
from c2c_api.authz import ANONYMOUS, Actor, ActorKind, ListingPolicy, PhotoPolicy, scopes_for
from c2c_api.categories.models import Category
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.db import Database
from c2c_api.listings.models import Listing, ListingStatus

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CATEGORY = "policy-grid"
# When a listing ends: (ends_at, expires_at)
ENDS: dict[str, tuple[datetime | None, datetime | None]] = {
    "no end": (None, None),
    "end ahead": (NOW + timedelta(days=2), NOW + timedelta(days=30)),
    "past ends_at": (NOW - timedelta(minutes=1), NOW + timedelta(days=30)),
    "past expires_at": (None, NOW - timedelta(seconds=1)),
    "ends now": (NOW, None),  # the end instant itself is past
}
PUBLIC = {"PUBLISHED", "RESERVED", "SOLD", "CLOSED", "EXPIRED"}


@dataclass(frozen=True)
class Grid:
    owner: uuid.UUID
    storefront: uuid.UUID
    actors: dict[str, Actor]
    listings: list[Listing]
    # each listing's cell of the grid: (status, ending, in a storefront)
    cells: dict[uuid.UUID, tuple[str, str, bool]]


def _is_past(ending: str) -> bool:
    return ending.startswith("past") or ending == "ends now"


def expected_visible(who: str, status: str, ending: str, in_storefront: bool) -> bool:
    """docs/listings.md, "Who sees what", written out independently of the policy."""
    reads = "EXPIRED" if status in ("PUBLISHED", "PAUSED") and _is_past(ending) else status
    if reads in PUBLIC or who in ("owner", "operator"):
        return True
    return who == "storefront partner" and in_storefront and reads != "REMOVED"


async def build_grid(db: Database) -> Grid:
    owner, other, staff = [await create_member(db) for _ in range(3)]
    shop, other_shop = await create_partner(db), await create_partner(db)
    actors = {
        "anonymous": ANONYMOUS,
        "owner": Actor(ActorKind.MEMBER, frozenset(scopes_for(ActorKind.MEMBER)), owner.id),
        "other member": Actor(ActorKind.MEMBER, frozenset(scopes_for(ActorKind.MEMBER)), other.id),
        "storefront partner": Actor(
            ActorKind.PARTNER, frozenset(scopes_for(ActorKind.PARTNER)), partner_id=shop.id
        ),
        "storefront partner without partner:catalog": Actor(
            ActorKind.PARTNER, frozenset({"partner:read"}), partner_id=shop.id
        ),
        "other partner": Actor(
            ActorKind.PARTNER, frozenset(scopes_for(ActorKind.PARTNER)), partner_id=other_shop.id
        ),
        "operator": Actor(ActorKind.OPERATOR, frozenset({"admin:moderation"}), staff.id),
        "operator without admin:moderation": Actor(
            ActorKind.OPERATOR, frozenset({"admin:catalog"}), staff.id
        ),
    }
    listings: list[Listing] = []
    cells: dict[uuid.UUID, tuple[str, str, bool]] = {}
    async with db.transaction() as session:
        session.add(Category(slug=CATEGORY, name={"en": "Grid", "fr": "Grille"}))
        await session.flush()
        for status in ListingStatus:
            for ending, (ends_at, expires_at) in ENDS.items():
                for partner_id in (None, shop.id):
                    listing = Listing(
                        kind=ListingKind.SALE,
                        status=status,
                        seller_id=owner.id,
                        partner_id=partner_id,
                        title=f"{status}, {ending}, storefront: {partner_id is not None}",
                        category_slug=CATEGORY,
                        price=100,
                        sort_price=100,
                        ends_at=ends_at,
                        expires_at=expires_at,
                        created_at=NOW - timedelta(days=3),
                        updated_at=NOW - timedelta(days=3),
                        published_at=NOW - timedelta(days=3),
                    )
                    session.add(listing)
                    listings.append(listing)
                    cells[listing.id] = (status.value, ending, partner_id is not None)
        await session.flush()
    return Grid(owner.id, shop.id, actors, listings, cells)


class TestVisibility:
    async def test_the_sql_clause_selects_what_the_predicate_accepts(self, db: Database) -> None:
        grid = await build_grid(db)
        assert len(grid.listings) == len(ListingStatus) * len(ENDS) * 2
        async with db.sessionmaker() as session:
            for who, actor in grid.actors.items():
                selected = set(
                    (
                        await session.exec(
                            select(Listing.id).where(ListingPolicy.visible_clause(actor, NOW))
                        )
                    ).all()
                )
                accepted = {
                    row.id for row in grid.listings if ListingPolicy.can_see(actor, row, NOW)
                }
                assert selected == accepted, who

    async def test_both_follow_the_documented_table(self, db: Database) -> None:
        grid = await build_grid(db)
        documented_actors = {
            "anonymous",
            "owner",
            "other member",
            "storefront partner",
            "other partner",
            "operator",
        }
        for who in documented_actors:
            actor = grid.actors[who]
            for row in grid.listings:
                want = expected_visible(who, *grid.cells[row.id])
                assert ListingPolicy.can_see(actor, row, NOW) is want, (who, row.title)
        # a partner token without partner:catalog and an operator without admin:moderation
        # see as anonymous visitors and as operators respectively
        for row in grid.listings:
            assert ListingPolicy.can_see(
                grid.actors["storefront partner without partner:catalog"], row, NOW
            ) is ListingPolicy.can_see(ANONYMOUS, row, NOW)
            assert ListingPolicy.can_see(grid.actors["operator without admin:moderation"], row, NOW)

    async def test_the_live_clauses_select_what_is_live(self, db: Database) -> None:
        grid = await build_grid(db)
        async with db.sessionmaker() as session:
            selected = set(
                (
                    await session.exec(select(Listing.id).where(*ListingPolicy.live_clauses(NOW)))
                ).all()
            )
        accepted = {row.id for row in grid.listings if ListingPolicy.is_live(row, NOW)}
        assert selected == accepted
        live = [("PUBLISHED", e, shop) for e in ("end ahead", "no end") for shop in (False, True)]
        assert sorted(grid.cells[i] for i in accepted) == live

    async def test_the_clause_scopes_a_select_with_other_conditions(self, db: Database) -> None:
        grid = await build_grid(db)
        other = grid.actors["other member"]
        async with db.sessionmaker() as session:
            ids = (
                await session.exec(
                    select(Listing.id)
                    .where(col(Listing.partner_id) == grid.storefront)
                    .where(ListingPolicy.visible_clause(other, NOW))
                )
            ).all()
        statuses = sorted({grid.cells[i][0] for i in ids})
        assert statuses == ["CLOSED", "EXPIRED", "PAUSED", "PUBLISHED", "RESERVED", "SOLD"]


class TestOwnershipAndModeration:
    @pytest.mark.parametrize(
        ("who", "edit", "history", "moderate", "hide_question", "answer_question"),
        [
            ("anonymous", False, False, False, False, False),
            ("owner", True, True, False, True, True),
            ("other member", False, False, False, False, False),
            ("storefront partner", False, True, True, True, False),
            ("storefront partner without partner:catalog", False, False, False, False, False),
            ("other partner", False, False, False, False, False),
            ("operator", False, True, True, True, False),
            ("operator without admin:moderation", False, True, False, False, False),
        ],
    )
    async def test_who_may_do_what_on_a_storefront_listing(
        self,
        db: Database,
        who: str,
        edit: bool,
        history: bool,
        moderate: bool,
        hide_question: bool,
        answer_question: bool,
    ) -> None:
        grid = await build_grid(db)
        actor = grid.actors[who]
        row = next(r for r in grid.listings if r.partner_id is not None)
        assert ListingPolicy.can_edit(actor, row) is edit
        assert ListingPolicy.can_see_history(actor, row) is history
        assert ListingPolicy.can_manage_photos(actor, row) is history
        assert ListingPolicy.can_moderate(actor, row) is moderate
        assert ListingPolicy.can_hide_question(actor, row) is hide_question
        assert ListingPolicy.can_answer_question(actor, row) is answer_question

    async def test_only_operators_undo_an_operators_removal(self, db: Database) -> None:
        grid = await build_grid(db)
        row = next(r for r in grid.listings if r.partner_id is not None)
        shop, staff = grid.actors["storefront partner"], grid.actors["operator"]
        assert not ListingPolicy.can_restore(shop, row, removed_by="operator")
        assert ListingPolicy.can_restore(shop, row, removed_by="partner")
        assert ListingPolicy.can_restore(staff, row, removed_by="operator")
        assert ListingPolicy.can_restore(staff, row, removed_by="partner")

    async def test_an_owner_without_listings_write_may_not_edit(self, db: Database) -> None:
        grid = await build_grid(db)
        owner = Actor(ActorKind.MEMBER, frozenset({"account:read"}), grid.owner)
        assert not ListingPolicy.can_edit(owner, grid.listings[0])
        assert ListingPolicy.can_see_history(owner, grid.listings[0])


class TestPhotoPolicy:
    def test_the_uploader_and_operators_see_a_photo_whatever_its_listing(self) -> None:
        uploader, other = uuid.uuid4(), uuid.uuid4()
        member_scopes = frozenset(scopes_for(ActorKind.MEMBER))
        owner = Actor(ActorKind.MEMBER, member_scopes, uploader)
        stranger = Actor(ActorKind.MEMBER, member_scopes, other)
        staff = Actor(ActorKind.OPERATOR, frozenset(), other)
        for actor in (owner, staff):
            assert PhotoPolicy.can_see(actor, owner_id=uploader, listing_visible=False)
        for actor in (stranger, ANONYMOUS):
            assert not PhotoPolicy.can_see(actor, owner_id=uploader, listing_visible=False)
            assert PhotoPolicy.can_see(actor, owner_id=uploader, listing_visible=True)
