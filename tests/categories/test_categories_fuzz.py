"""Properties: any JSON value is either normalised or refused with a typed error, never a crash."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from c2c_api import categories
from c2c_api.categories import AttributeDef, AttributeType, InvalidAttributes, validate_attributes
from c2c_api.categories.attributes import TextFormat

SLUGS = [n.slug for n in categories.iter_nodes()]
KEYS = sorted({k for s in SLUGS for k in categories.schema_for(s)})
VALID_ISBNS = ["9782070368228", "2-07-036822-X", "978-0-306-40615-7", "0306406152"]

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.text(st.characters(categories=("Cs", "Cc", "Zs", "L")), max_size=5)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
attribute_objects = st.dictionaries(
    st.sampled_from(KEYS) | st.text(max_size=10), json_values, max_size=8
)

settings.register_profile(
    "categories",
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _assert_clean(result: dict[str, Any], slug: str) -> None:
    encoded = json.dumps(result, allow_nan=False, ensure_ascii=False).encode("utf-8")
    assert json.loads(encoded) == result
    assert validate_attributes(slug, result) == result  # a fixed point


class TestAnyJsonValue:
    @settings(settings.get_profile("categories"))
    @given(slug=st.sampled_from(SLUGS), attributes=attribute_objects | json_values)
    def test_is_normalised_or_refused_with_a_typed_error(self, slug, attributes):
        try:
            result = validate_attributes(slug, attributes)
        except InvalidAttributes as error:
            assert error.fields
            assert all(f == "attributes" or f.startswith("attributes.") for f in error.fields)
            json.dumps(error.context, allow_nan=False).encode("utf-8")
        else:
            _assert_clean(result, slug)


def valid_value(definition: AttributeDef) -> st.SearchStrategy[Any]:
    match definition.type:
        case AttributeType.ENUM:
            codes = [o.value for o in definition.options]
            return st.sampled_from(codes) | st.sampled_from(codes).map(lambda c: f" {c.upper()} ")
        case AttributeType.INTEGER | AttributeType.DECIMAL:
            assert definition.minimum is not None and definition.maximum is not None
            step = definition.multiple_of or 1
            low = -(-definition.minimum // step)
            return st.integers(low, definition.maximum // step).map(lambda n: n * step)
        case AttributeType.BOOLEAN:
            return st.booleans()
        case AttributeType.TEXT:
            if definition.format is TextFormat.ISBN:
                return st.sampled_from(VALID_ISBNS)
            letters = st.characters(categories=("L", "N", "P", "S", "Zs"))
            return st.text(letters, min_size=1, max_size=definition.max_length).filter(
                lambda t: t.strip() != ""
            )


@st.composite
def category_and_valid_attributes(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    slug = draw(st.sampled_from(SLUGS))
    attributes: dict[str, Any] = {}
    for key, definition in categories.schema_for(slug).items():
        if definition.required or draw(st.booleans()):
            attributes[key] = draw(valid_value(definition))
    return slug, attributes


class TestValidValues:
    @settings(settings.get_profile("categories"))
    @given(case=category_and_valid_attributes())
    def test_every_valid_combination_is_accepted(self, case):
        slug, attributes = case
        result = validate_attributes(slug, attributes)
        assert result.keys() == attributes.keys()
        _assert_clean(result, slug)
