"""docs/limits.md's table of field costs is the one the schema gives."""

from pathlib import Path

from c2c_api.docgen.costs import cost_table
from c2c_api.graphql.schema import build_schema

DOC = Path(__file__).resolve().parents[1] / "docs" / "limits.md"
START, END = "<!-- cost-table:start -->\n", "<!-- cost-table:end -->"


def test_the_cost_table_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = text[text.index(START) + len(START) : text.index(END)]
    assert documented == cost_table(build_schema()._schema), (
        "docs/limits.md is stale: run `make docs` (c2c-api docs costs)"
    )


def test_every_list_field_of_the_schema_has_a_cost() -> None:
    table = cost_table(build_schema()._schema)
    assert "| `Partner.members` | 1 + what it selects; its `edges`/`nodes` \u00d7 `first`" in table
    assert "| `Query.listings` | 200 + what it selects" in table
