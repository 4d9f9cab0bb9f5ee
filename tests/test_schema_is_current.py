"""schema/schema.graphql is the printed schema: a change to the API shows in review."""

from pathlib import Path

from c2c_api.graphql.schema import build_schema, schema_sdl

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema" / "schema.graphql"


def test_committed_schema_matches_the_code() -> None:
    printed = schema_sdl(build_schema())
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    assert printed == committed, "schema/schema.graphql is stale: run `make schema` and commit it"
