"""search: publication days in the full-text index (hand-written)

PostgreSQL only (SQLite needs nothing: its relevance tiers filter FTS5 matches on published_at).

  * c2c_published_day(timestamptz) -> tsvector: one lexeme per publication day, 'd' followed by
    the number of days since 2000-01-01 in UTC ('d9823' is 2026-11-23); empty when unpublished.
    IMMUTABLE (a UTC date does not depend on the session's time zone), so it can be indexed.
    A plain SQL function (not a RETURN body) so that the planner inlines it and matches the
    index expression.
  * ix_listings_search_days: a two-column GIN index (search_vector, c2c_published_day(...)),
    replacing ix_listings_search_vector. A relevance search reads its fresh tier (published in
    the last days) with `search_vector @@ words AND c2c_published_day(published_at) @@
    'd9816 | … | d9823'`: the index intersects both, so only fresh matching rows are read and
    ranked. Queries on search_vector alone use the same index.

Neither object is in the models: alembic/env.py keeps autogenerate from seeing them.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAY_FUNCTION = """
CREATE FUNCTION c2c_published_day(published timestamptz) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN published IS NULL THEN ''::tsvector
              ELSE array_to_tsvector(ARRAY['d' || ((published AT TIME ZONE 'UTC')::date
                                                   - DATE '2000-01-01')::text])
         END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(DAY_FUNCTION)
    op.execute(
        "CREATE INDEX ix_listings_search_days ON listings "
        "USING gin (search_vector, c2c_published_day(published_at))"
    )
    op.execute("DROP INDEX IF EXISTS ix_listings_search_vector")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX ix_listings_search_vector ON listings USING gin (search_vector)")
    op.execute("DROP INDEX IF EXISTS ix_listings_search_days")
    op.execute("DROP FUNCTION IF EXISTS c2c_published_day(timestamptz)")
