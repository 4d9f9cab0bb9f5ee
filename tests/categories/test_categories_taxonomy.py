"""The default taxonomy and the tree checks (pure Python, no database)."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from c2c_api import categories
from c2c_api.categories import (
    GOODS_KINDS,
    RENTAL_KINDS,
    RETIRED_SLUGS,
    SERVICE_KINDS,
    CategoryNode,
    CategoryNotAssignable,
    KindNotAllowedInCategory,
    ListingKind,
    Localized,
    Taxonomy,
    TaxonomyError,
    UnknownCategory,
)
from c2c_api.errors import ErrorCode, InvalidInput

# Names that are the same word in both languages.
SAME_IN_BOTH_LANGUAGES = {"smartphones", "consoles", "drones", "services"}


def node(slug: str, parent: str | None = None, position: int = 0, **kw: object) -> CategoryNode:
    return CategoryNode(
        slug=slug,
        parent=parent,
        position=position,
        name=Localized(en=slug, fr=slug + " (fr)"),
        **kw,  # type: ignore[arg-type]
    )


ALL = list(categories.iter_nodes())
SLUGS = [n.slug for n in ALL]


class TestDefaultTaxonomyIntegrity:
    def test_has_a_realistic_size(self):
        assert 100 <= len(ALL) <= 160
        assert 10 <= len(categories.default_taxonomy().roots()) <= 14

    def test_slugs_are_unique_kebab_case(self):
        assert len(set(SLUGS)) == len(SLUGS)
        assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in SLUGS)

    def test_every_parent_exists_and_comes_first(self):
        seen: set[str] = set()
        for n in ALL:
            assert n.parent is None or n.parent in seen
            seen.add(n.slug)

    def test_has_two_or_three_levels(self):
        depths = {categories.default_taxonomy().depth(s) for s in SLUGS}
        assert depths == {0, 1, 2}

    def test_sibling_positions_are_contiguous(self):
        tax = categories.default_taxonomy()
        for parent in [None, *SLUGS]:
            siblings = tax.roots() if parent is None else tax.children(parent)
            assert [s.position for s in siblings] == list(range(len(siblings)))

    def test_names_exist_in_english_and_french(self):
        for n in ALL:
            assert n.name.en.strip() and n.name.fr.strip()
            if n.slug not in SAME_IN_BOTH_LANGUAGES:
                assert n.name.en != n.name.fr, n.slug

    def test_french_names_are_french(self):
        assert categories.name("appliances", "fr") == "Électroménager"
        assert categories.name("women-clothing", "fr") == "Vêtements femme"
        assert categories.name("diy", "fr") == "Bricolage"

    def test_no_retired_slug_is_in_use(self):
        assert not RETIRED_SLUGS & set(SLUGS)

    def test_every_category_accepts_some_kind_within_its_parent(self):
        for n in ALL:
            kinds = categories.kinds_allowed(n.slug)
            assert kinds
            if n.parent:
                assert kinds <= categories.kinds_allowed(n.parent)

    def test_services_take_only_service_and_wanted(self):
        for n in categories.descendants("services"):
            assert categories.kinds_allowed(n.slug) == SERVICE_KINDS == {"SERVICE", "WANTED"}

    def test_rentals_take_only_rental_and_wanted(self):
        for n in categories.descendants("rentals"):
            assert categories.kinds_allowed(n.slug) == RENTAL_KINDS == {"RENTAL", "WANTED"}

    def test_goods_take_neither_rental_nor_service(self):
        goods = [r.slug for r in categories.default_taxonomy().roots()]
        goods = [s for s in goods if s not in ("services", "rentals")]
        for root in goods:
            for n in categories.descendants(root):
                assert categories.kinds_allowed(n.slug) == GOODS_KINDS
        assert ListingKind.DONATION in GOODS_KINDS and ListingKind.WANTED in GOODS_KINDS

    def test_regulated_flows_are_left_out(self):
        for absent in ("cars", "motorbikes", "real-estate", "animals", "jobs", "free", "wanted"):
            assert categories.find(absent) is None


class TestTaxonomyRefusesBadData:
    def test_duplicate_slug(self):
        with pytest.raises(TaxonomyError, match="duplicate"):
            Taxonomy([node("a", kinds=GOODS_KINDS), node("a", position=1, kinds=GOODS_KINDS)])

    def test_unknown_parent(self):
        with pytest.raises(TaxonomyError, match="unknown parent"):
            Taxonomy([node("a", kinds=GOODS_KINDS), node("b", parent="zz")])

    def test_cycle(self):
        with pytest.raises(TaxonomyError, match="cycle"):
            Taxonomy([node("r", kinds=GOODS_KINDS), node("a", parent="b"), node("b", parent="a")])

    def test_child_widening_the_kinds(self):
        with pytest.raises(TaxonomyError, match="kinds its parent"):
            Taxonomy([node("r", kinds=SERVICE_KINDS), node("c", parent="r", kinds=GOODS_KINDS)])

    def test_root_without_kinds(self):
        with pytest.raises(TaxonomyError, match="no listing kind"):
            Taxonomy([node("r")])

    def test_reused_retired_slug(self):
        with pytest.raises(TaxonomyError, match="retired"):
            Taxonomy([node("old", kinds=GOODS_KINDS)], retired={"old"})

    def test_siblings_sharing_a_position(self):
        with pytest.raises(TaxonomyError, match="position"):
            Taxonomy([node("a", kinds=GOODS_KINDS), node("b", kinds=GOODS_KINDS)])

    def test_attribute_declared_twice(self):
        from c2c_api.categories import attributes as a

        with pytest.raises(TaxonomyError, match="twice"):
            Taxonomy([node("a", kinds=GOODS_KINDS, attributes=(a.BRAND, a.BRAND))])

    def test_slug_not_kebab_case(self):
        with pytest.raises(ValidationError):
            node("Not_A_Slug")


class TestTreeQueries:
    def test_descendants_include_the_node_depth_first(self):
        slugs = categories.descendant_slugs("bikes")
        assert slugs[0] == "bikes"
        assert set(slugs[1:]) == {c.slug for c in categories.children("bikes")}
        fashion = categories.descendant_slugs("fashion")
        assert fashion.index("women-clothing") < fashion.index("women-tops")
        assert fashion.index("women-tops") < fashion.index("men-clothing")
        assert "bikes" not in fashion

    def test_descendants_of_a_leaf_is_itself(self):
        assert categories.descendant_slugs("women-tops") == ["women-tops"]

    def test_descendants_of_every_root_cover_the_tree(self):
        roots = categories.default_taxonomy().roots()
        covered = [s for r in roots for s in categories.descendant_slugs(r.slug)]
        assert covered == SLUGS

    def test_ancestors_go_from_the_root_down(self):
        assert [n.slug for n in categories.ancestors("women-tops")] == [
            "fashion",
            "women-clothing",
        ]
        assert categories.ancestors("fashion") == []
        assert [n.slug for n in categories.path("tutoring")] == [
            "services",
            "lessons",
            "tutoring",
        ]

    def test_unknown_slug(self):
        assert categories.find("no-such-thing") is None
        assert categories.find(["not", "a", "slug"]) is None
        with pytest.raises(UnknownCategory) as caught:
            categories.get("no-such-thing")
        assert isinstance(caught.value, InvalidInput)
        assert caught.value.code == ErrorCode.CATEGORY_UNKNOWN
        assert caught.value.fields == ["category"]
        with pytest.raises(UnknownCategory):
            categories.descendants("x" * 10_000)

    def test_names_by_locale(self):
        assert categories.name("shoes", "en") == "Shoes"
        assert categories.name("shoes", "fr") == "Chaussures"
        assert categories.name("shoes", "fr-CA") == "Chaussures"
        assert categories.name("shoes", "de") == "Shoes"


class TestCheckListingCategory:
    def test_accepts_a_leaf_and_an_allowed_kind(self):
        assert categories.check_listing_category("smartphones", "AUCTION").slug == "smartphones"
        assert categories.check_listing_category("tutoring", ListingKind.SERVICE).slug == (
            "tutoring"
        )

    def test_refuses_a_category_with_children(self):
        with pytest.raises(CategoryNotAssignable) as caught:
            categories.check_listing_category("fashion", "SALE")
        assert caught.value.code == ErrorCode.CATEGORY_NOT_ASSIGNABLE
        assert caught.value.fields == ["category"]

    def test_refuses_a_kind_the_category_does_not_take(self):
        with pytest.raises(KindNotAllowedInCategory) as caught:
            categories.check_listing_category("tutoring", "SALE")
        assert caught.value.code == ErrorCode.CATEGORY_KIND_NOT_ALLOWED
        assert caught.value.context["allowed"] == ["SERVICE", "WANTED"]
        with pytest.raises(KindNotAllowedInCategory):
            categories.check_listing_category("tool-rental", "SALE")
        with pytest.raises(KindNotAllowedInCategory):
            categories.check_listing_category("laptops", "RENTAL")

    def test_refuses_an_unknown_category(self):
        with pytest.raises(UnknownCategory):
            categories.check_listing_category(None, "SALE")
