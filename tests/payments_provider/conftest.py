from __future__ import annotations

from collections.abc import Iterator

import pytest

from payments_provider_support import handlers_for_every_type


@pytest.fixture
def recording_handlers() -> Iterator[None]:
    """The recording handler on every webhook type (unregistered after the test)."""
    with handlers_for_every_type():
        yield
