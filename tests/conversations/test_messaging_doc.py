"""docs/messaging.md runs: every ```graphql block of the page, in order, over HTTP (the
subscriptions over WebSockets, their events checked), as the demo member the page names, on
both databases (the convention of docs/journey.md, whose
parser and runner this test shares: tests/doc_pages.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from auth_factories import member_tokens
from c2c_api.db import Database
from c2c_api.demo import seed_demo
from c2c_api.users.service import get_member_by_email
from doc_live import run_page_live
from doc_pages import every_answer_shown, steps_of

DOC = Path(__file__).resolve().parents[2] / "docs" / "messaging.md"
SCOPES = ["account:read", "listings:write", "offers:write", "orders:write", "messages:write"]
CHECKED = {
    "__typename",
    "code",
    "message",
    "fields",
    "status",
    "state",
    "sent",
    "text",
    "kind",
    "seq",
    "event",
    "flag",
    "reason",
    "excerpt",
    "fromViewer",
    "viewerIsOwner",
    "unreadCount",
    "messageCount",
    "viewerReadUpTo",
    "counterpartReadUpTo",
    "displayName",
    "title",
    "blocked",
    "hasNextPage",
    "transition",
    "amount",
    "currency",
    "sentMessage",
    "warnings",
    "viewerRoles",
}


def _compare(shown: Any, actual: Any, where: str) -> list[str]:
    """Differences of the checked keys between the answer shown and the real one (a list
    shown shorter than the answer is its first items; an object shown may omit keys)."""
    if isinstance(shown, dict):
        if not isinstance(actual, dict):
            return [f"{where}: shown an object, got {actual!r}"]
        problems: list[str] = []
        for key, value in shown.items():
            if key not in actual:
                problems.append(f"{where}.{key}: not in the answer")
            elif isinstance(value, dict | list) and value:
                problems += _compare(value, actual[key], f"{where}.{key}")
            elif key in CHECKED and value != actual[key]:
                problems.append(f"{where}.{key}: shown {value!r}, got {actual[key]!r}")
        return problems
    if isinstance(shown, list):
        if not isinstance(actual, list) or len(actual) < len(shown):
            return [f"{where}: shown {len(shown)} items, got {actual!r}"]
        return [
            p
            for i, (s, a) in enumerate(zip(shown, actual, strict=False))
            for p in _compare(s, a, f"{where}.{i}")
        ]
    return []


async def _token(db: Database, name: str) -> str:
    async with db.sessionmaker() as session:
        member = await get_member_by_email(session, email=f"{name}@example.com")
    assert member is not None, f"{name}@example.com is not a demo member"
    return str((await member_tokens(db, member=member, scopes=SCOPES))["access_token"])


def test_the_page_follows_the_convention() -> None:
    text = DOC.read_text(encoding="utf-8")
    steps = steps_of(text, "messaging.md")
    assert len(steps) >= 15
    assert {s.member for s in steps} == {"alice", "bob"}
    assert every_answer_shown(steps)
    last_heading = [line for line in text.splitlines() if line.startswith("## ")][-1]
    assert last_heading == "## 10. Scam warnings"


async def test_every_example_runs(db: Database, live: tuple[Starlette, str]) -> None:
    """Over a real uvicorn: the queries and mutations over HTTP, the subscriptions over
    WebSockets, the events the page shows checked as they arrive."""
    await seed_demo(db)

    async def token_of(name: str) -> str:
        return await _token(db, name)

    await run_page_live(db, live, DOC, token_of=token_of, compare=_compare)
