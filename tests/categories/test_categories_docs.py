"""docs/categories.md lists the whole taxonomy; the error messages have French translations."""

from __future__ import annotations

from pathlib import Path

from c2c_api import categories
from c2c_api.categories import errors
from c2c_api.errors import DomainError

DOC = (Path(__file__).resolve().parents[2] / "docs" / "categories.md").read_text(encoding="utf-8")


def _own_errors() -> list[type[DomainError]]:
    return [
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type)
        and issubclass(cls, DomainError)
        and cls.__module__ == errors.__name__
    ]


class TestDocumentation:
    def test_every_slug_and_attribute_key_is_documented(self):
        for node in categories.iter_nodes():
            assert f"`{node.slug}` " in DOC or f"(`{node.slug}`)" in DOC, node.slug
            for key in categories.schema_for(node.slug):
                assert f"| `{key}` |" in DOC, key

    def test_every_error_code_is_documented(self):
        for cls in _own_errors():
            assert f"`{cls.code.value}`" in DOC


class TestFrenchMessages:
    def test_every_error_message_has_a_french_translation(self):
        for cls in _own_errors():
            assert cls.__doc__ in errors.MESSAGES_FR, cls.__name__
