"""docs/ratings.md runs: every ```graphql block of the page, in order, over HTTP, as the member
the page names (alice, bob or anonymous), on both databases, after completing an order where
Alice sold to Bob.

The page's convention (as docs/journey.md's, written at the top of its section 3):
`<!-- as: bob; capture: name = path -->` before a block; a ```json block right after it is its
variables ("$name": a captured value; "$orderId", "$aliceId", "$bobId" are given);
`<!-- answer -->` before the answer shown. The test compares the keys that say what happened
(CHECKED) at the same paths, and every null shown (a hidden rating must read null). A
subscription is validated against the schema, not run (tests/ratings/test_ratings_live.py runs it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from strawberry.relay import to_base64

from auth_factories import member_tokens
from c2c_api.db import Database
from deals_support import member
from doc_live import run_page_live
from doc_pages import every_answer_shown, steps_of
from ratings_support import completed_deal

DOC = Path(__file__).resolve().parents[2] / "docs" / "ratings.md"
SCOPES = ["account:read", "orders:write", "ratings:write"]
CHECKED = {
    "__typename",
    "code",
    "fields",
    "message",
    "state",
    "score",
    "comment",
    "reply",
    "count",
    "average",
    "bayesianAverage",
    "priorMean",
    "priorWeight",
    "trend",
    "canRate",
    "viewerHasRated",
    "otherHasRated",
    "ratesAs",
    "ratedAs",
    "criterion",
    "criteria",
    "displayName",
    "hasNextPage",
}


def _compare(shown: Any, actual: Any, where: str, key: str = "") -> list[str]:
    if shown is None:
        return [] if actual is None else [f"{where}: shown null, got {actual!r}"]
    if isinstance(shown, dict):
        if not isinstance(actual, dict):
            return [f"{where}: shown an object, got {actual!r}"]
        problems: list[str] = []
        for name, value in shown.items():
            if name not in actual:
                problems.append(f"{where}.{name}: not in the answer")
            else:
                problems += _compare(value, actual[name], f"{where}.{name}", name)
        return problems
    if isinstance(shown, list):
        if not isinstance(actual, list) or len(actual) != len(shown):
            return [f"{where}: shown {shown!r}, got {actual!r}"]
        problems = []
        for i, (s, a) in enumerate(zip(shown, actual, strict=True)):
            problems += _compare(s, a, f"{where}.{i}", key)
        return problems
    if key in CHECKED and shown != actual:
        return [f"{where}: shown {shown!r}, got {actual!r}"]
    return []


def test_the_page_follows_the_convention() -> None:
    steps = steps_of(DOC.read_text(encoding="utf-8"), "ratings.md")
    assert len(steps) >= 10
    assert {s.member for s in steps} == {"alice", "bob", "anonymous"}
    assert every_answer_shown(steps)


async def test_every_example_of_the_page_runs(db: Database, live: tuple[Starlette, str]) -> None:
    """Over a real uvicorn: queries and mutations over HTTP, the subscription over a WebSocket,
    the events the page shows checked as they arrive."""
    alice = await member(db, display_name="Alice", email="alice@example.com")
    bob = await member(db, display_name="Bob", email="bob@example.com")
    deal = await completed_deal(db, seller=alice, buyer=bob)
    tokens: dict[str, str | None] = {"anonymous": None}
    for name, row in (("alice", alice[0]), ("bob", bob[0])):
        tokens[name] = str((await member_tokens(db, member=row, scopes=SCOPES))["access_token"])
    captured: dict[str, Any] = {
        "orderId": to_base64("Order", deal.order.id),
        "aliceId": to_base64("Member", alice[0].id),
        "bobId": to_base64("Member", bob[0].id),
    }

    async def token_of(name: str) -> str | None:
        return tokens[name]

    await run_page_live(db, live, DOC, token_of=token_of, compare=_compare, captured=captured)
