"""Attribute schemas: definitions, inheritance down the tree, validation of listing values."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from c2c_api import categories
from c2c_api.categories import (
    GOODS_KINDS,
    MAX_ATTRIBUTES,
    AttributeDef,
    AttributeType,
    CategoryNode,
    InvalidAttributes,
    Localized,
    MissingAttributes,
    Taxonomy,
    UnknownAttributes,
    UnknownCategory,
    validate_attributes,
)
from c2c_api.categories import attributes as a
from c2c_api.errors import ErrorCode, InvalidInput


def problems(error: InvalidAttributes) -> dict[str, tuple[str, str]]:
    return {p["field"]: (p["code"], p["reason"]) for p in error.context["problems"]}


def refused(slug: str, attributes: object, **kw: bool) -> InvalidAttributes:
    with pytest.raises(InvalidAttributes) as caught:
        validate_attributes(slug, attributes, **kw)
    return caught.value


class TestSchemaInheritance:
    def test_a_leaf_inherits_from_every_ancestor_root_first(self):
        schema = categories.schema_for("women-tops")
        assert list(schema) == ["brand", "colour", "size", "material"]
        assert schema["size"].required and not schema["brand"].required

    def test_a_node_adds_to_its_parent(self):
        assert list(categories.schema_for("electronics")) == ["brand", "model"]
        assert list(categories.schema_for("laptops")) == [
            "brand",
            "model",
            "storage_gb",
            "ram_gb",
            "screen_size",
            "os",
        ]

    def test_siblings_do_not_share_their_own_attributes(self):
        assert "isbn" in categories.schema_for("books")
        assert "isbn" not in categories.schema_for("music")
        assert categories.schema_for("books")["format"] != categories.schema_for("music")["format"]

    def test_a_child_overrides_an_inherited_key(self):
        tax = Taxonomy(
            [
                CategoryNode(
                    slug="root",
                    name=Localized(en="Root", fr="Racine"),
                    kinds=GOODS_KINDS,
                    attributes=(a.BRAND, a.COLOUR),
                ),
                CategoryNode(
                    slug="leaf",
                    parent="root",
                    name=Localized(en="Leaf", fr="Feuille"),
                    attributes=(a.BRAND.as_required(), a.ISBN),
                ),
            ]
        )
        assert list(tax.schema_for("leaf")) == ["brand", "colour", "isbn"]
        assert tax.schema_for("leaf")["brand"].required
        assert not tax.schema_for("root")["brand"].required
        with pytest.raises(MissingAttributes):
            tax.validate_attributes("leaf", {"colour": "red"})
        assert tax.validate_attributes("root", {"colour": "red"}) == {"colour": "red"}

    def test_every_category_has_a_usable_schema(self):
        for n in categories.iter_nodes():
            schema = categories.schema_for(n.slug)
            for key, definition in schema.items():
                assert key == definition.key
                assert definition.label.en and definition.label.fr
                for option in definition.options:
                    assert option.label.en and option.label.fr
            required = {k for k, d in schema.items() if d.required}
            if not required:
                assert validate_attributes(n.slug, {}) == {}


class TestAttributeDefinitions:
    label = Localized(en="X", fr="X")

    def test_enum_needs_options(self):
        with pytest.raises(ValidationError, match="needs options"):
            AttributeDef(key="x", label=self.label, type=AttributeType.ENUM)

    def test_numbers_need_bounds(self):
        with pytest.raises(ValidationError, match="minimum and maximum"):
            AttributeDef(key="x", label=self.label, type=AttributeType.INTEGER, minimum=1)

    def test_bounds_stay_within_safe_javascript_integers(self):
        with pytest.raises(ValidationError):
            AttributeDef(
                key="x", label=self.label, type=AttributeType.INTEGER, minimum=0, maximum=2**60
            )

    def test_decimals_only_on_decimals(self):
        with pytest.raises(ValidationError, match="decimals"):
            AttributeDef(
                key="x",
                label=self.label,
                type=AttributeType.INTEGER,
                minimum=0,
                maximum=1,
                decimals=1,
            )

    def test_units_only_on_numbers(self):
        with pytest.raises(ValidationError, match="unit"):
            AttributeDef(key="x", label=self.label, type=AttributeType.TEXT, unit=self.label)

    def test_keys_are_snake_case(self):
        with pytest.raises(ValidationError):
            AttributeDef(key="Bad-Key", label=self.label, type=AttributeType.BOOLEAN)

    def test_overrides_are_checked_again(self):
        with pytest.raises(ValidationError):
            a.COLOUR.with_(options=())
        assert a.SIZE.as_required().required and not a.SIZE.required

    def test_definitions_round_trip_through_json(self):
        for n in categories.iter_nodes():
            for definition in n.attributes:
                stored = json.loads(definition.model_dump_json())
                assert AttributeDef.model_validate(stored) == definition

    def test_labels_and_units_by_locale(self):
        assert a.STORAGE_GB.unit is not None and a.STORAGE_GB.unit.get("fr") == "Go"
        assert a.SIZE.option_label("one-size", "fr") == "Taille unique"
        assert a.SIZE.option_label("nope", "fr") is None


class TestValidAttributes:
    def test_values_are_normalised(self):
        assert validate_attributes(
            "women-tops",
            {"size": " M ", "brand": "  Comptoir   des\tCotonniers ", "colour": "NAVY"},
        ) == {"brand": "Comptoir des Cotonniers", "colour": "navy", "size": "m"}

    def test_numbers_and_booleans(self):
        assert validate_attributes(
            "smartphones",
            {"storage_gb": 128, "screen_size": 61, "unlocked": True, "battery_health": 100},
        ) == {"storage_gb": 128, "screen_size": 61, "unlocked": True, "battery_health": 100}

    def test_half_shoe_sizes(self):
        assert validate_attributes("women-shoes", {"shoe_size": 375}) == {"shoe_size": 375}

    @pytest.mark.parametrize(
        ("given", "isbn13"),
        [
            ("978-2-07-036822-8", "9782070368228"),
            ("2-07-036822-X", "9782070368228"),
            ("0 306 40615 2", "9780306406157"),
            ("9791032305690", "9791032305690"),
        ],
    )
    def test_isbn_is_normalised_to_13_digits(self, given, isbn13):
        assert validate_attributes("books", {"isbn": given}) == {"isbn": isbn13}

    def test_null_means_not_given(self):
        assert validate_attributes("books", None) == {}
        assert validate_attributes("books", {"author": None}) == {}

    def test_partial_skips_required(self):
        assert validate_attributes("women-tops", {"colour": "red"}, partial=True) == {
            "colour": "red"
        }

    def test_output_is_json_and_stable(self):
        first = validate_attributes("laptops", {"os": "macOS", "model": " MacBook  Air "})
        assert json.loads(json.dumps(first)) == first
        assert validate_attributes("laptops", first) == first


class TestInvalidAttributes:
    def test_missing_required(self):
        error = refused("women-tops", {"brand": "Zara"})
        assert type(error) is MissingAttributes
        assert error.code == ErrorCode.ATTRIBUTE_REQUIRED
        assert error.fields == ["attributes.size"]
        assert problems(error) == {"attributes.size": ("ATTRIBUTE_REQUIRED", "required")}

    def test_required_set_to_null(self):
        assert refused("women-tops", {"size": None}).fields == ["attributes.size"]

    def test_unknown_key(self):
        error = refused("books", {"isbn": "9782070368228", "shoe_size": 400})
        assert type(error) is UnknownAttributes
        assert isinstance(error, InvalidInput)
        assert error.code == ErrorCode.ATTRIBUTE_UNKNOWN
        assert error.fields == ["attributes.shoe_size"]

    @pytest.mark.parametrize(
        ("value", "reason"),
        [
            (True, "wrong_type"),
            (64.0, "wrong_type"),
            (64.5, "wrong_type"),
            (float("nan"), "wrong_type"),
            (float("inf"), "wrong_type"),
            ("64", "wrong_type"),
            ([64], "wrong_type"),
            ({"value": 64}, "wrong_type"),
            (0, "too_small"),
            (10**1000, "too_large"),
            (-(10**1000), "too_small"),
        ],
    )
    def test_integer_refusals(self, value, reason):
        error = refused("smartphones", {"storage_gb": value})
        assert type(error) is InvalidAttributes
        assert error.code == ErrorCode.ATTRIBUTE_INVALID
        assert problems(error) == {"attributes.storage_gb": ("ATTRIBUTE_INVALID", reason)}

    def test_shoe_size_must_be_a_half_size(self):
        error = refused("men-shoes", {"shoe_size": 423})
        assert problems(error) == {"attributes.shoe_size": ("ATTRIBUTE_INVALID", "not_a_multiple")}

    @pytest.mark.parametrize("value", [1, 0, "true", "yes", []])
    def test_booleans_are_strict(self, value):
        assert problems(refused("smartphones", {"unlocked": value})) == {
            "attributes.unlocked": ("ATTRIBUTE_INVALID", "wrong_type")
        }

    @pytest.mark.parametrize(
        ("value", "reason"),
        [
            ("purple-ish", "not_an_option"),
            ("x" * 1_000_000, "not_an_option"),
            (3, "wrong_type"),
            (["red"], "wrong_type"),
            ({"red": True}, "wrong_type"),
        ],
    )
    def test_enum_refusals(self, value, reason):
        assert problems(refused("furniture", {"colour": value})) == {
            "attributes.colour": ("ATTRIBUTE_INVALID", reason)
        }

    @pytest.mark.parametrize(
        ("value", "reason"),
        [
            ("", "empty"),
            ("   \n\t ", "empty"),
            ("x" * 61, "too_long"),
            ("x" * 5_000_000, "too_long"),
            ("Nike\x00", "invalid_characters"),
            ("Nike\x07", "invalid_characters"),
            ("Ni\ud800ke", "invalid_characters"),
            (42, "wrong_type"),
            (["Nike"], "wrong_type"),
        ],
    )
    def test_text_refusals(self, value, reason):
        assert problems(refused("power-tools", {"brand": value})) == {
            "attributes.brand": ("ATTRIBUTE_INVALID", reason)
        }

    @pytest.mark.parametrize("isbn", ["978-2-07-036822-9", "2-07-036822-1", "123", "977000000000"])
    def test_isbn_checksum(self, isbn):
        assert problems(refused("books", {"isbn": isbn})) == {
            "attributes.isbn": ("ATTRIBUTE_INVALID", "isbn_invalid")
        }

    @pytest.mark.parametrize("value", [[], "size=m", 42, True, 1.5])
    def test_not_an_object(self, value):
        error = refused("women-tops", value)
        assert error.fields == ["attributes"]
        assert problems(error) == {"attributes": ("ATTRIBUTE_INVALID", "not_an_object")}

    def test_too_many_keys(self):
        error = refused("books", {f"k{i}": i for i in range(MAX_ATTRIBUTES + 1)})
        assert problems(error) == {"attributes": ("ATTRIBUTE_INVALID", "too_many")}

    def test_every_bad_key_is_listed_and_the_worst_gives_the_code(self):
        error = refused(
            "women-tops", {"colour": "plaid", "wheel_size": "26", "brand": 3, "material": "silk"}
        )
        assert type(error) is UnknownAttributes
        assert sorted(error.fields) == [
            "attributes.brand",
            "attributes.colour",
            "attributes.size",
            "attributes.wheel_size",
        ]
        assert problems(error)["attributes.size"] == ("ATTRIBUTE_REQUIRED", "required")
        invalid_only = refused("women-tops", {"colour": "plaid"})
        assert type(invalid_only) is InvalidAttributes
        assert sorted(invalid_only.fields) == ["attributes.colour", "attributes.size"]

    def test_strange_keys_give_printable_bounded_paths(self):
        error = refused("books", {"\ud800\x00" + "k" * 500: 1})
        (field,) = error.fields
        assert field.startswith("attributes.") and len(field) <= len("attributes.") + 64
        assert field.isprintable()
        field.encode("utf-8")

    def test_unknown_category(self):
        with pytest.raises(UnknownCategory) as caught:
            validate_attributes("no-such-category", {})
        assert caught.value.fields == ["category"]

    def test_messages_are_the_documented_ones(self):
        assert refused("women-tops", {}).message == "Some required attributes are missing."
        assert (
            refused("books", {"x": 1}).message == "Some attributes do not exist in this category."
        )
        assert (
            refused("books", {"isbn": "1"}).message
            == "Some attributes are not valid for this category."
        )
