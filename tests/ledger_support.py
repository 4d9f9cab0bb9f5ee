"""An independent check of the ledger, in raw SQL, run after every test (tests/conftest.py).

It shares nothing with c2c_api.ledger.service: a bug in the service's own check cannot hide a
bug in the postings. Tests that never touched the ledger cost one `SELECT EXISTS`.
"""

from __future__ import annotations

import sqlalchemy as sa

from c2c_api.db import Database

_TOUCHED = (
    "SELECT EXISTS (SELECT 1 FROM ledger_transactions) OR EXISTS (SELECT 1 FROM ledger_holds)"
)

_CHECKS: list[tuple[str, str]] = [
    (
        "transaction {0} does not balance in {1}: {2}",
        "SELECT transaction_id, currency, SUM(amount) FROM ledger_entries"
        " GROUP BY transaction_id, currency HAVING SUM(amount) <> 0",
    ),
    (
        "all {0} entries sum to {1}",
        "SELECT currency, SUM(amount) FROM ledger_entries"
        " GROUP BY currency HAVING SUM(amount) <> 0",
    ),
    (
        "account {0} {1}: cached balance {2}, entries sum to {3}",
        "SELECT a.name, a.currency, a.balance, COALESCE(s.total, 0) FROM ledger_accounts a"
        " LEFT JOIN (SELECT account, currency, SUM(amount) AS total FROM ledger_entries"
        "  GROUP BY account, currency) s ON s.account = a.name AND s.currency = a.currency"
        " WHERE a.balance <> COALESCE(s.total, 0)",
    ),
    (
        "account {0} {1} of kind {2} is negative: balance {3}, pending out {4}",
        "SELECT name, currency, kind, balance, pending_out FROM ledger_accounts"
        " WHERE kind <> 'PROVIDER_CLEARING' AND balance - pending_out < 0",
    ),
    (
        "account {0} {1}: pending_out {2}, pending holds {3}",
        "SELECT a.name, a.currency, a.pending_out, COALESCE(h.total, 0) FROM ledger_accounts a"
        " LEFT JOIN (SELECT source, currency, SUM(amount) AS total FROM ledger_holds"
        "  WHERE status = 'PENDING' GROUP BY source, currency) h"
        "  ON h.source = a.name AND h.currency = a.currency"
        " WHERE a.pending_out <> COALESCE(h.total, 0)",
    ),
    (
        "hold {0} is POSTED but its transaction moves {1}, not {2}",
        "SELECT h.id, COALESCE(SUM(e.amount), 0), h.posted_amount FROM ledger_holds h"
        " LEFT JOIN ledger_entries e ON e.transaction_id = h.transaction_id"
        "  AND e.account = h.destination AND e.amount > 0"
        " WHERE h.status = 'POSTED' GROUP BY h.id, h.posted_amount"
        " HAVING h.posted_amount IS NULL OR COALESCE(SUM(e.amount), 0) <> h.posted_amount",
    ),
]


async def ledger_touched(db: Database) -> bool:
    """Whether anything was ever posted or held (one statement)."""
    async with db.engine.connect() as conn:
        return bool((await conn.execute(sa.text(_TOUCHED))).scalar())


async def independent_ledger_problems(db: Database) -> list[str]:
    """Every violated ledger invariant, recomputed from the tables in raw SQL."""
    problems: list[str] = []
    async with db.engine.connect() as conn:
        for message, sql in _CHECKS:
            for row in await conn.execute(sa.text(sql)):
                problems.append(message.format(*row))
    return problems


async def wipe_ledger(db: Database) -> None:
    """Empty the ledger's tables (after a test that planted corruption on purpose)."""
    tables = ["ledger_holds", "ledger_entries", "ledger_transactions", "ledger_accounts"]
    async with db.engine.begin() as conn:
        if db.settings.is_sqlite:
            for table in tables:
                await conn.execute(sa.text(f"DELETE FROM {table}"))
        else:
            await conn.execute(sa.text(f"TRUNCATE {', '.join(tables)}"))
