"""The composition root's lists: every domain's tables and every domain's message catalogue.

The kernel (db.py, i18n.py) imports no domain; whoever needs the whole set (alembic/env.py,
migrations.py, the app factory, tests' conftest, the benchmark seed) asks this module, which
imports each domain's module for its side effect: a table registered on SQLModel.metadata, a
French catalogue registered with c2c_api.i18n. A new domain adds its modules here.
"""

from __future__ import annotations


def import_models() -> None:
    """Import every models module so SQLModel.metadata knows every table."""
    from c2c_api.auth import models as _auth  # noqa: F401
    from c2c_api.categories import models as _categories  # noqa: F401
    from c2c_api.conversations import models as _conversations  # noqa: F401
    from c2c_api.events import models as _events  # noqa: F401
    from c2c_api.favorites import models as _favorites  # noqa: F401
    from c2c_api.idempotency import models as _idempotency  # noqa: F401
    from c2c_api.ledger import models as _ledger  # noqa: F401
    from c2c_api.listings import models as _listings  # noqa: F401
    from c2c_api.notifications import models as _notifications  # noqa: F401
    from c2c_api.offers import models as _offers  # noqa: F401
    from c2c_api.orders import models as _orders  # noqa: F401
    from c2c_api.partners import models as _partners  # noqa: F401
    from c2c_api.payments import models as _payments  # noqa: F401
    from c2c_api.photos import models as _photos  # noqa: F401
    from c2c_api.questions import models as _questions  # noqa: F401
    from c2c_api.ratings import models as _ratings  # noqa: F401
    from c2c_api.search import models as _search  # noqa: F401
    from c2c_api.users import models as _users  # noqa: F401
    from c2c_api.wallet import models as _wallet  # noqa: F401


def import_catalogues() -> None:
    """Import every module that registers translations (c2c_api.i18n.register_catalogue)."""
    from c2c_api.categories import errors as _categories  # noqa: F401
    from c2c_api.conversations import errors as _conversations  # noqa: F401
    from c2c_api.idempotency import errors as _idempotency  # noqa: F401
    from c2c_api.ledger import errors as _ledger  # noqa: F401
    from c2c_api.listings import errors as _listings  # noqa: F401
    from c2c_api.notifications import errors as _notifications  # noqa: F401
    from c2c_api.offers import errors as _offers  # noqa: F401
    from c2c_api.orders import errors as _orders  # noqa: F401
    from c2c_api.payments import errors as _payments  # noqa: F401
    from c2c_api.processes import errors as _processes  # noqa: F401
    from c2c_api.ratings import errors as _ratings  # noqa: F401
    from c2c_api.search import errors as _search  # noqa: F401
    from c2c_api.trust import errors as _trust_errors  # noqa: F401
    from c2c_api.trust import warnings as _trust_warnings  # noqa: F401


def import_invariants() -> None:
    """Import every module that registers a ledger invariant (ledger.service.register_invariant):
    `c2c-api ledger check` then checks them all."""
    from c2c_api.orders import effects as _orders  # noqa: F401
