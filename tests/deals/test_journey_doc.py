"""docs/journey.md runs: every ```graphql block of the page, in order, over HTTP, as the demo
member the page names, on both databases.

The page's convention (also written at its top, in an HTML comment; the parser and the runner
are tests/doc_pages.py's, shared with docs/messaging.md and docs/ratings.md):

- `<!-- as: bob -->` before a ```graphql block: who sends it (a demo member,
  `<name>@example.com`, seeded by `seed --demo`). `<!-- as: bob; capture: orderId =
  buyNow.order.id -->` also keeps a value of the answer (a dot path; list items by index) for
  later blocks.
- A ```json block right after the ```graphql block is its variables. A string `"$orderId"` in
  them is replaced by the captured value; `"$tomorrow"` by tomorrow's date-time (UTC).
- `<!-- answer -->` before a ```json block: the answer the page shows. The test compares the
  keys that say what happened (`__typename`, `state`, `status`, `code`, `message`, `name`,
  `amount`, …)
  at the same paths; a list shown shorter than the answer is its first items.
- A subscription is validated against the schema, not run (it needs a WebSocket and the
  worker); tests/subscriptions/ runs them.
Any GraphQL error fails the test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from auth_factories import member_tokens
from c2c_api.db import Database
from c2c_api.demo import seed_demo
from c2c_api.users.service import get_member_by_email
from doc_pages import every_answer_shown, run_page, steps_of

DOC = Path(__file__).resolve().parents[2] / "docs" / "journey.md"
SCOPES = ["account:read", "listings:write", "offers:write", "orders:write"]
CHECKED = {
    "__typename",
    "state",
    "status",
    "code",
    "name",
    "transition",
    "action",
    "madeBy",
    "method",
    "viewerRoles",
    "viewerCanAnswer",
    "amount",
    "currency",
    "fields",
    "message",
}


def _compare(shown: Any, actual: Any, where: str) -> list[str]:
    """The differences of the checked keys between the answer shown and the real one."""
    problems: list[str] = []
    if isinstance(shown, dict):
        if not isinstance(actual, dict):
            return [f"{where}: shown an object, got {actual!r}"]
        for key, value in shown.items():
            if key not in actual:
                problems.append(f"{where}.{key}: not in the answer")
            elif key in CHECKED and not isinstance(value, dict | list):
                if value != actual[key]:
                    problems.append(f"{where}.{key}: shown {value!r}, got {actual[key]!r}")
            elif key in CHECKED and isinstance(value, list) and key != "edges":
                if value != actual[key][: len(value)]:
                    problems.append(f"{where}.{key}: shown {value!r}, got {actual[key]!r}")
            else:
                problems += _compare(value, actual[key], f"{where}.{key}")
    elif isinstance(shown, list):
        if not isinstance(actual, list) or len(actual) < len(shown):
            return [f"{where}: shown {len(shown)} items, got {actual!r}"]
        for i, (s, a) in enumerate(zip(shown, actual, strict=False)):
            problems += _compare(s, a, f"{where}.{i}")
    return problems


async def _token(db: Database, name: str) -> str:
    async with db.sessionmaker() as session:
        member = await get_member_by_email(session, email=f"{name}@example.com")
    assert member is not None, f"{name}@example.com is not a demo member"
    tokens = await member_tokens(db, member=member, scopes=SCOPES)
    return str(tokens["access_token"])


def test_the_page_follows_the_convention() -> None:
    steps = steps_of(DOC.read_text(encoding="utf-8"), "journey.md")
    assert len(steps) >= 25
    assert {s.member for s in steps} == {"alice", "bob"}
    assert every_answer_shown(steps)


async def test_every_example_of_the_journey_runs(db: Database, client: httpx.AsyncClient) -> None:
    await seed_demo(db)

    async def token_of(name: str) -> str:
        return await _token(db, name)

    await run_page(
        client,
        DOC.read_text(encoding="utf-8"),
        page="journey.md",
        token_of=token_of,
        compare=_compare,
    )
