"""The ledger's own tests move money into escrow accounts of orders that do not exist (any
UUID names an escrow account): the orders' invariant (an escrow holds its order's total while
the order's state says so, orders/effects.py) is left out of their ledger check; the ledger's
own invariants are still checked after each test, and tests/deals keep the orders' one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from c2c_api.ledger.service import register_invariant, unregister_invariant
from c2c_api.orders.effects import escrow_matches_state

ORDERS_INVARIANT = "orders.escrow_matches_state"


@pytest.fixture(autouse=True)
def without_the_orders_invariant() -> Iterator[None]:
    """Autouse, so set up before `db` and put back after its ledger check at teardown."""
    unregister_invariant(ORDERS_INVARIANT)
    try:
        yield
    finally:
        register_invariant(ORDERS_INVARIANT, escrow_matches_state)
