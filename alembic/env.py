"""Alembic environment: async engines, batch mode on SQLite, type comparison on."""

from __future__ import annotations

import asyncio
import warnings
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SAWarning
from sqlmodel import SQLModel

from c2c_api.config import Settings
from c2c_api.db import create_engine
from c2c_api.registry import import_models

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

import_models()
target_metadata = SQLModel.metadata


# Full-text objects of the hand-written revisions 0003 to 0005 and 0008 (alembic/versions/):
# they are not in the models, so autogenerate must not see them (or it would drop them).
FULLTEXT_TABLE_PREFIX = "listings_fts"  # SQLite FTS5 table and its shadow tables
FULLTEXT_COLUMNS = {("listings", "search_vector")}  # PostgreSQL generated tsvector
FULLTEXT_INDEXES = {
    "ix_listings_search_vector",
    "ix_listings_search_days",
    "ix_listings_search_tags",
    "ix_listings_public_sphere",
    "ix_listings_title_trgm",
    "ix_listings_status_price0",
}


def include_name(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    """Skip reflected objects that only migrations 0003 to 0005 manage."""
    if type_ == "table" and name is not None and name.startswith(FULLTEXT_TABLE_PREFIX):
        return False
    if type_ == "column" and (parent_names.get("table_name"), name) in FULLTEXT_COLUMNS:
        return False
    return not (type_ == "index" and name in FULLTEXT_INDEXES)


def _url() -> str:
    url = config.attributes.get("database_url")
    return str(url) if url else Settings().database_url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=False,
        include_name=include_name,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=_url().startswith("sqlite"),
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with warnings.catch_warnings(), context.begin_transaction():
        # SQLite cannot reflect expression indexes (0003's price index): SQLAlchemy says so,
        # and include_name skips the index anyway.
        warnings.filterwarnings(
            "ignore",
            message="Skipped unsupported reflection of expression-based index ix_listings_",
            category=SAWarning,
        )
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(Settings(database_url=_url()))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_sync(connection)
        return
    asyncio.run(_run_async())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
