"""Running the application's outbox worker in tests, from the injected clock."""

from __future__ import annotations

from starlette.applications import Starlette

from c2c_api.broker import Broker, InProcessBroker
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.events.worker import Worker
from c2c_api.users.mail import Mailer
from c2c_api.worker import build_worker


def app_worker(
    db: Database, *, broker: Broker | None = None, mailer: Mailer | None = None, **settings: object
) -> Worker:
    """The application's worker (every topic's handler) on the test database."""
    merged = db.settings.model_copy(update=settings) if settings else db.settings
    assert isinstance(merged, Settings)
    return build_worker(merged, db, broker=broker or InProcessBroker(), mailer=mailer)


async def drain(worker: Worker, *, rounds: int = 100) -> int:
    """Run rounds until one does nothing; the number of timers fired and events handled."""
    total = 0
    for _ in range(rounds):
        done = await worker.run_once()
        if done == 0:
            return total
        total += done
    raise AssertionError(f"the worker was still busy after {rounds} rounds")


async def relay(db: Database, app: Starlette) -> None:
    """Deliver what was committed: the worker publishes to the app's broker."""
    await drain(app_worker(db, broker=app.state.broker))
