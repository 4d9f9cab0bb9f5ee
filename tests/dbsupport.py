"""Databases for tests: a fresh, uniquely named one per backend and run."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

POSTGRES_ENV = "C2C_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]


def _postgres_admin_url() -> str | None:
    raw = os.environ.get(POSTGRES_ENV)
    if not raw:
        return None
    return sa.make_url(raw).set(drivername="postgresql+psycopg").render_as_string(False)


def _create_postgres_database() -> tuple[str, str]:
    admin = _postgres_admin_url()
    assert admin is not None
    name = f"c2c_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = sa.make_url(admin).set(drivername="postgresql+asyncpg", database=name)
    return url.render_as_string(False), name


def drop_postgres_database(name: str) -> None:
    admin = _postgres_admin_url()
    assert admin is not None
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def new_database_url(backend: str, tmp_dir: Path) -> tuple[str, str | None]:
    """A fresh, empty database for `backend`: (async url, postgres name to drop)."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_dir / f'c2c-{uuid.uuid4().hex[:8]}.sqlite3'}", None
    if _postgres_admin_url() is None:
        pytest.skip(f"PostgreSQL tests skipped: set {POSTGRES_ENV} to run them")
    url, name = _create_postgres_database()
    return url, name
