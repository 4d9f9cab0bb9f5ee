"""The stored category tree: seeding, the public query, operators' edits, retirement."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

# The listing helpers live next to the listing tests.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "listings"))
from listings_support import CREATE, count_rows, gql, valid_input

from auth_factories import create_member_with_token
from c2c_api.categories.service import ensure_default_categories, invalidate_cache
from c2c_api.categories.taxonomy import default_nodes
from c2c_api.db import Database


async def _seed(db: Database) -> None:
    invalidate_cache()
    await ensure_default_categories(db)


class TestSeeding:
    async def test_seeds_an_empty_table_once(self, db: Database) -> None:
        invalidate_cache()
        assert await ensure_default_categories(db) == len(default_nodes())
        assert await ensure_default_categories(db) == 0
        assert await count_rows(db, "categories") == len(default_nodes())


class TestCategoriesQuery:
    async def test_tree_in_the_callers_language(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await _seed(db)
        query = (
            '{ categories { slug name } category(slug: "women-tops") { name isLeaf kinds'
            " path { slug } attributes { key label required options { value label } } } }"
        )
        en = await gql(client, query)
        fr = await gql(client, query, locale="fr-FR,fr;q=0.9")
        assert en["categories"][0] == {"slug": "fashion", "name": "Fashion"}
        assert fr["categories"][0] == {"slug": "fashion", "name": "Mode"}
        tops = fr["category"]
        assert tops["isLeaf"] is True
        assert [p["slug"] for p in tops["path"]] == ["fashion", "women-clothing", "women-tops"]
        size = next(a for a in tops["attributes"] if a["key"] == "size")
        assert size["required"] is True
        assert "SALE" in tops["kinds"]


CREATE_CATEGORY = (
    "mutation($i: CreateCategoryInput!) { createCategory(input: $i) { __typename"
    " ... on CategorySuccess { category { slug name kinds } }"
    " ... on UserError { code fields } } }"
)


class TestOperatorEdits:
    async def test_create_update_retire(self, client: httpx.AsyncClient, db: Database) -> None:
        await _seed(db)
        _, admin = await create_member_with_token(db, scopes=["admin:catalog"], operator=True)
        _, seller = await create_member_with_token(db, scopes=["listings:write"])
        created = (
            await gql(
                client,
                CREATE_CATEGORY,
                {
                    "i": {
                        "slug": "vinyl-records",
                        "parent": "handbags",
                        "position": 0,
                        "nameEn": "Vinyl",
                        "nameFr": "Vinyles",
                    }
                },
                token=admin,
            )
        )["createCategory"]
        # handbags becomes a parent: a listing can no longer be filed there.
        assert created["category"]["slug"] == "vinyl-records"
        refused = (await gql(client, CREATE, {"i": valid_input("SALE")}, token=seller))[
            "createListing"
        ]
        assert refused["code"] == "CATEGORY_NOT_ASSIGNABLE"

        updated = (
            await gql(
                client,
                'mutation { updateCategory(input: {slug: "vinyl-records", nameFr: "Disques"})'
                " { ... on CategorySuccess { category { name } } } }",
                locale="fr",
                token=admin,
            )
        )["updateCategory"]
        assert updated["category"]["name"] == "Disques"

        retired = (
            await gql(
                client,
                'mutation { retireCategory(slug: "vinyl-records") {'
                " ... on CategorySuccess { category { retired } } } }",
                token=admin,
            )
        )["retireCategory"]
        assert retired["category"]["retired"] is True
        data = valid_input("SALE")
        data["category"] = "vinyl-records"
        refused = (await gql(client, CREATE, {"i": data}, token=seller))["createListing"]
        assert refused["code"] == "CATEGORY_RETIRED"
        again = (
            await gql(
                client,
                CREATE_CATEGORY,
                {"i": {"slug": "vinyl-records", "nameEn": "V", "nameFr": "V", "kinds": ["SALE"]}},
                token=admin,
            )
        )["createCategory"]
        assert again["code"] == "CONFLICT"

    async def test_a_member_cannot_edit_the_tree(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await _seed(db)
        _, member = await create_member_with_token(db, scopes=["listings:write"])
        response = await client.post(
            "/graphql",
            json={"query": 'mutation { retireCategory(slug: "fashion") { __typename } }'},
            headers={"Authorization": f"Bearer {member}"},
        )
        assert response.json()["errors"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"
        assert await count_rows(db, "categories") == len(default_nodes())


class TestAttributeDefinitionsAreCheckedByTheService:
    """Any adapter gets the typed error: the shape check lives in the service."""

    @pytest.mark.parametrize("attributes", [{"key": "colour"}, ["colour"], "colour", 3])
    async def test_not_a_list_of_objects(self, db: Database, attributes: object) -> None:
        from c2c_api.categories import service
        from c2c_api.errors import InvalidInput
        from factories import create_member, operator_actor

        await ensure_default_categories(db)
        async with db.write_sessionmaker() as session:
            actor = operator_actor(await create_member(session, is_operator=True), "admin:catalog")
            with pytest.raises(InvalidInput) as caught:
                await service.create_category(
                    session,
                    actor,
                    slug="gadgets",
                    parent=None,
                    position=1,
                    name_en="Gadgets",
                    name_fr="Gadgets",
                    attributes=attributes,
                )
            assert caught.value.fields == ["attributes"]
            with pytest.raises(InvalidInput) as caught:
                await service.update_category(session, actor, slug="fashion", attributes=attributes)
            assert caught.value.fields == ["attributes"]
