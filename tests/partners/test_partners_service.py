"""Partner use cases: creation, listing, the members of a storefront."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import ANONYMOUS
from c2c_api.errors import Forbidden, InvalidInput, SlugTaken
from c2c_api.i18n import translate
from c2c_api.kit.clock import clock, utcnow
from c2c_api.partners import service
from factories import create_member, create_partner, member_actor, operator_actor, partner_actor


async def an_operator(session: AsyncSession, *scopes: str):  # type: ignore[no-untyped-def]
    return operator_actor(await create_member(session, is_operator=True), *scopes)


class TestCreatePartner:
    async def test_an_operator_creates_one(self, session: AsyncSession) -> None:
        actor = await an_operator(session)
        partner = await service.create_partner(
            session, actor, slug=" Vintage-Lyon ", name=" Vintage Lyon "
        )
        assert (partner.slug, partner.name) == ("vintage-lyon", "Vintage Lyon")
        assert (await service.get_partner_by_slug(session, slug="vintage-lyon")) is not None

    async def test_refuses_a_taken_slug(self, session: AsyncSession) -> None:
        actor = await an_operator(session)
        await create_partner(session, slug="taken")
        with pytest.raises(SlugTaken) as caught:
            await service.create_partner(session, actor, slug="TAKEN", name="Other")
        assert caught.value.fields == ["slug"]

    @pytest.mark.parametrize(
        ("slug", "name", "fields"),
        [
            ("a", "Name", ["slug"]),
            ("-shop", "Name", ["slug"]),
            ("shop-", "Name", ["slug"]),
            ("sh--op", "Name", ["slug"]),
            ("shop_1", "Name", ["slug"]),
            ("x" * 64, "Name", ["slug"]),
            ("www", "Name", ["slug"]),
            ("shop", "  ", ["name"]),
            ("shop", "n" * 121, ["name"]),
            ("!", "", ["slug", "name"]),
            ("shop", "Sh\x00op", ["name"]),
            ("shop", "Sh\x1bop", ["name"]),
            ("shop", "Line\nbreak", ["name"]),
        ],
    )
    async def test_refuses_invalid_input(
        self, session: AsyncSession, slug: str, name: str, fields: list[str]
    ) -> None:
        actor = await an_operator(session)
        with pytest.raises(InvalidInput) as caught:
            await service.create_partner(session, actor, slug=slug, name=name)
        assert caught.value.fields == fields
        assert translate(caught.value.message, "fr") != caught.value.message

    async def test_refuses_an_operator_without_the_scope(self, session: AsyncSession) -> None:
        actor = await an_operator(session, "admin:moderation")
        with pytest.raises(Forbidden):
            await service.create_partner(session, actor, slug="shop", name="Shop")

    async def test_refuses_members_and_partners(self, session: AsyncSession) -> None:
        member = member_actor(await create_member(session))
        partner = partner_actor(await create_partner(session))
        for actor in (ANONYMOUS, member, partner):
            with pytest.raises(Forbidden):
                await service.create_partner(session, actor, slug="shop", name="Shop")


class TestListPartners:
    async def test_pages_through_every_partner_oldest_first(self, session: AsyncSession) -> None:
        actor = await an_operator(session)
        start = utcnow()
        made = []
        for i in range(5):
            clock.freeze(start + timedelta(seconds=i))
            made.append(await create_partner(session, created_at=utcnow()))
        seen = []
        after = None
        while True:
            page = await service.list_partners(session, actor, limit=2, after=after)
            seen.extend(p.id for p in page.items)
            if not page.has_next:
                break
            after = (page.items[-1].created_at, page.items[-1].id)
        assert seen == [p.id for p in made]

    async def test_refuses_non_operators(self, session: AsyncSession) -> None:
        partner = partner_actor(await create_partner(session))
        with pytest.raises(Forbidden):
            await service.list_partners(session, partner)

    @pytest.mark.parametrize("limit", [0, 101])
    async def test_refuses_a_page_size_out_of_bounds(
        self, session: AsyncSession, limit: int
    ) -> None:
        actor = await an_operator(session)
        with pytest.raises(InvalidInput):
            await service.list_partners(session, actor, limit=limit)


class TestListPartnerMembers:
    async def _storefront(self, session: AsyncSession):  # type: ignore[no-untyped-def]
        shop = await create_partner(session)
        other = await create_partner(session)
        joined = [await create_member(session, partner_id=shop.id) for _ in range(3)]
        await create_member(session, partner_id=other.id)
        await create_member(session)
        return shop, other, joined

    async def test_the_partner_sees_its_members(self, session: AsyncSession) -> None:
        shop, _, joined = await self._storefront(session)
        page = await service.list_partner_members(
            session, partner_actor(shop, "partner:members"), partner_id=shop.id
        )
        assert {m.id for m in page.items} == {m.id for m in joined}

    async def test_an_operator_sees_them(self, session: AsyncSession) -> None:
        shop, _, _joined = await self._storefront(session)
        actor = await an_operator(session)
        page = await service.list_partner_members(session, actor, partner_id=shop.id, limit=2)
        assert len(page.items) == 2
        assert page.has_next

    async def test_others_see_nothing(self, session: AsyncSession) -> None:
        shop, other, joined = await self._storefront(session)
        for actor in (
            ANONYMOUS,
            member_actor(joined[0]),
            partner_actor(other),
            partner_actor(shop, "partner:read"),
            await an_operator(session, "admin:moderation"),
        ):
            page = await service.list_partner_members(session, actor, partner_id=shop.id)
            assert page.items == []
            assert not page.has_next
