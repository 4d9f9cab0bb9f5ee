"""Search tags: the currency and the country beside the publication day in the full-text index.

Hand-written (PostgreSQL only; SQLite has nothing to do):

  * c2c_search_tags(published timestamptz, currency text, country text) -> tsvector: the
    lexemes 'd<day>' (as c2c_published_day: days since 2000-01-01 in UTC, absent when
    unpublished), 'c<currency>' ('cEUR') and 'n<country>' ('nFR', absent without a country).
    IMMUTABLE, a plain SQL function so that the planner inlines it and matches the index.
  * ix_listings_search_tags: GIN (search_vector, c2c_search_tags(published_at, currency,
    country)), replacing ix_listings_search_days (and c2c_published_day). The freshness tiers
    of a relevance search read it as before ('d9821 | d9822 | d9823'); the oldest tier, which
    holds every match of the words, adds the filter's currency and country ('cCHF & nCH'),
    so a search in a small currency reads its own rows, not every listing the words match
    (at 1M listings, "manteau" in CHF: 4,189 rows read for 169 kept, 11 ms; now 236, 2 ms).
    The price and the category were measured too and left out: as lexemes they made the index
    read longer posting lists than the heap rows they saved (docs/performance.md).

Neither object is in the models: alembic/env.py keeps autogenerate from seeing them.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TAGS_FUNCTION = """
CREATE FUNCTION c2c_search_tags(published timestamptz, currency text, country text)
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT array_to_tsvector(array_remove(ARRAY[
    CASE WHEN published IS NOT NULL
         THEN 'd' || ((published AT TIME ZONE 'UTC')::date - DATE '2000-01-01')::text END,
    CASE WHEN currency IS NOT NULL AND currency <> '' THEN 'c' || currency END,
    CASE WHEN country IS NOT NULL AND country <> '' THEN 'n' || country END
  ], NULL))
$$
"""

# As created by revision 0004, for the downgrade.
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
    op.execute(TAGS_FUNCTION)
    op.execute(
        "CREATE INDEX ix_listings_search_tags ON listings "
        "USING gin (search_vector, c2c_search_tags(published_at, currency, country))"
    )
    op.execute("DROP INDEX IF EXISTS ix_listings_search_days")
    op.execute("DROP FUNCTION IF EXISTS c2c_published_day(timestamptz)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(DAY_FUNCTION)
    op.execute(
        "CREATE INDEX ix_listings_search_days ON listings "
        "USING gin (search_vector, c2c_published_day(published_at))"
    )
    op.execute("DROP INDEX IF EXISTS ix_listings_search_tags")
    op.execute("DROP FUNCTION IF EXISTS c2c_search_tags(timestamptz, text, text)")
