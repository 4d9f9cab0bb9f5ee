"""Every persistence test runs on SQLite and on PostgreSQL, each in a database of its own.

PostgreSQL runs when C2C_TEST_POSTGRES_URL is set (e.g. postgresql://postgres@127.0.0.1/test);
a new, uniquely named database is created there for the run and dropped at the end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel
from starlette.applications import Starlette

from c2c_api import migrations
from c2c_api.app import create_app
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.kit.clock import clock
from c2c_api.ledger.service import check_ledger
from c2c_api.registry import import_models
from dbsupport import BACKENDS, drop_postgres_database, new_database_url
from ledger_support import independent_ledger_problems, ledger_touched

import_models()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database of the run, one per backend."""
    url, pg_name = new_database_url(request.param, tmp_path_factory.mktemp("db"))
    try:
        migrations.upgrade(url)
        yield url
    finally:
        if pg_name is not None:
            drop_postgres_database(pg_name)


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, env="test", log_json=False)


@pytest.fixture(scope="session")
async def _database(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings)
    yield database
    await database.dispose()


async def _empty_every_table(database: Database) -> None:
    """Delete every row the previous test left.

    On PostgreSQL only the tables holding rows are truncated (one probe statement finds them;
    CASCADE adds the tables referencing them): TRUNCATE of all 36 tables cost ~230 ms a test.
    TRUNCATE rather than DELETE: fresh tables, no dead rows to change later plans or the
    order rows come back in."""
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    async with database.engine.begin() as conn:
        if database.settings.is_sqlite:
            for table in tables:
                await conn.execute(table.delete())
            return
        probe = " UNION ALL ".join(
            f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables
        )
        holding = [row[0] for row in (await conn.execute(sa.text(probe))).all()]
        if holding:
            names = ", ".join(f'"{name}"' for name in holding)
            await conn.execute(sa.text(f"TRUNCATE {names} CASCADE"))


@pytest.fixture
async def db(_database: Database) -> AsyncIterator[Database]:
    """The run's database, emptied before each test; the ledger checked after it."""
    await _empty_every_table(_database)
    clock.reset()
    yield _database
    clock.reset()
    await _check_the_ledger(_database)


async def _check_the_ledger(database: Database) -> None:
    """Whatever a test did, the ledger's invariants hold after it: the service's own check
    and an independent one in raw SQL (tests/ledger_support.py) must both find nothing."""
    if not await ledger_touched(database):
        return
    independent = await independent_ledger_problems(database)
    async with database.sessionmaker() as session:
        own = await check_ledger(session)
    if own or independent:
        pytest.fail(
            "the ledger is inconsistent after the test:\n"
            + "\n".join([*(f"check_ledger: {p}" for p in own), *independent])
        )


@pytest.fixture
async def session(db: Database) -> AsyncIterator[object]:
    """A session for arranging and asserting (commit what other connections must see)."""
    async with db.write_sessionmaker() as s:
        yield s


@pytest.fixture
async def app(db: Database, settings: Settings):  # type: ignore[no-untyped-def]
    return create_app(settings, db=db)


@pytest.fixture
async def live(db: Database, settings: Settings) -> AsyncIterator[tuple[Starlette, str]]:
    """The app served on a free port (uvicorn, real WebSockets), without an in-process worker:
    the test delivers events itself (worker_support.relay)."""
    from subscriptions.ws_support import serving

    app_settings = settings.model_copy(
        update={"worker_in_process": False, "ws_connection_init_timeout": 0.5}
    )
    app = create_app(app_settings, db=db)
    async with serving(app) as url:
        yield app, url


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
        yield c
