"""search full-text (hand-written)

PostgreSQL
  * extensions pg_trgm (typo tolerance) and unaccent (accent-insensitive words); both are
    "trusted" since PostgreSQL 13, so a role with CREATE on the database may create them
    (no superuser needed); see docs/search.md, "Production".
  * text search configurations c2c_english and c2c_french: copies of english and french whose
    word mappings go through unaccent first, so "velo" and "vélo" are the same lexeme.
  * listings.search_vector: a STORED generated tsvector, title weight A, description weight B,
    each in both configurations (listings are written in French or English; we do not guess).
  * GIN index on search_vector, trigram GIN index on title (word_similarity, `<%`).

Both: an expression index (status, coalesce(sort_price, 0), id) for the price sorts.

SQLite
  * listings_fts: an FTS5 external-content table over listings (title, description), keyed by
    the listings rowid, tokenizer unicode61 with remove_diacritics 2, prefix indexes of 2 and 3
    characters; three triggers keep it in sync.
  * VACUUM may renumber the rowids of a table without an INTEGER PRIMARY KEY, and a batch
    migration that recreates `listings` drops its triggers: after either, run
    `INSERT INTO listings_fts(listings_fts) VALUES ('rebuild')` (and recreate the triggers).

None of these objects are in the models: alembic/env.py keeps autogenerate from seeing them.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_VECTOR = """
    setweight(to_tsvector('c2c_english'::regconfig, coalesce(title, '')), 'A')
 || setweight(to_tsvector('c2c_french'::regconfig, coalesce(title, '')), 'A')
 || setweight(to_tsvector('c2c_english'::regconfig, coalesce(description, '')), 'B')
 || setweight(to_tsvector('c2c_french'::regconfig, coalesce(description, '')), 'B')
"""


def _upgrade_postgresql() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    for lang in ("english", "french"):
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION c2c_{lang} (COPY = pg_catalog.{lang})")
        op.execute(
            f"ALTER TEXT SEARCH CONFIGURATION c2c_{lang} "
            f"ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {lang}_stem"
        )
    op.execute(
        f"ALTER TABLE listings ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({PG_VECTOR}) STORED"
    )
    op.execute("CREATE INDEX ix_listings_search_vector ON listings USING gin (search_vector)")
    op.execute("CREATE INDEX ix_listings_title_trgm ON listings USING gin (title gin_trgm_ops)")


def _downgrade_postgresql() -> None:
    op.execute("DROP INDEX IF EXISTS ix_listings_title_trgm")
    op.execute("DROP INDEX IF EXISTS ix_listings_search_vector")
    op.execute("ALTER TABLE listings DROP COLUMN IF EXISTS search_vector")
    for lang in ("english", "french"):
        op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS c2c_{lang}")
    # The extensions stay: other objects may use them, and dropping needs their owner.


def _upgrade_sqlite() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE listings_fts USING fts5("
        "title, description, content='listings', content_rowid='rowid', "
        "tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
    )
    op.execute(
        "CREATE TRIGGER listings_fts_insert AFTER INSERT ON listings BEGIN "
        "INSERT INTO listings_fts(rowid, title, description) "
        "VALUES (new.rowid, new.title, new.description); END"
    )
    op.execute(
        "CREATE TRIGGER listings_fts_delete AFTER DELETE ON listings BEGIN "
        "INSERT INTO listings_fts(listings_fts, rowid, title, description) "
        "VALUES ('delete', old.rowid, old.title, old.description); END"
    )
    op.execute(
        "CREATE TRIGGER listings_fts_update AFTER UPDATE OF title, description ON listings BEGIN "
        "INSERT INTO listings_fts(listings_fts, rowid, title, description) "
        "VALUES ('delete', old.rowid, old.title, old.description); "
        "INSERT INTO listings_fts(rowid, title, description) "
        "VALUES (new.rowid, new.title, new.description); END"
    )
    # Index what is already there.
    op.execute("INSERT INTO listings_fts(listings_fts) VALUES ('rebuild')")


def _downgrade_sqlite() -> None:
    for name in ("listings_fts_update", "listings_fts_delete", "listings_fts_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS listings_fts")


PRICE_INDEX = "ix_listings_status_price0"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # Price sorts order by coalesce(sort_price, 0) (listings without a price sort as free).
    op.execute(f"CREATE INDEX {PRICE_INDEX} ON listings (status, coalesce(sort_price, 0), id)")
    if dialect == "postgresql":
        _upgrade_postgresql()
    elif dialect == "sqlite":
        _upgrade_sqlite()
    else:  # pragma: no cover - only the two supported databases
        raise NotImplementedError(dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute(f"DROP INDEX IF EXISTS {PRICE_INDEX}")
    if dialect == "postgresql":
        _downgrade_postgresql()
    elif dialect == "sqlite":
        _downgrade_sqlite()
