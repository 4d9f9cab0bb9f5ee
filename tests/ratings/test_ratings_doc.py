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

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from graphql import OperationType, parse, validate
from graphql.language import OperationDefinitionNode
from strawberry.relay import to_base64

from auth_factories import bearer, member_tokens
from c2c_api.db import Database
from c2c_api.graphql.schema import build_schema
from deals_support import member
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
TOKEN = re.compile(r"<!--(?P<comment>.*?)-->|^```(?P<lang>\w*)\n(?P<body>.*?)^```", re.S | re.M)


@dataclass
class Step:
    member: str
    document: str
    line: int
    captures: dict[str, str] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    answer: dict[str, Any] | None = None


def _directive(text: str) -> tuple[str, dict[str, str]] | None:
    parts = dict(
        (key.strip(), value.strip())
        for key, _, value in (p.partition(":") for p in text.split(";"))
    )
    if "as" not in parts:
        return None
    captures = {}
    for pair in filter(None, (p.strip() for p in parts.get("capture", "").split(","))):
        name, _, path = pair.partition("=")
        captures[name.strip()] = path.strip()
    return parts["as"], captures


def steps_of(text: str) -> list[Step]:
    steps: list[Step] = []
    pending: tuple[str, dict[str, str]] | None = None
    want_answer = False
    previous: str | None = None
    for match in TOKEN.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        comment, lang, body = match.group("comment"), match.group("lang"), match.group("body")
        if comment is not None:
            want_answer = comment.strip() == "answer"
            pending = _directive(comment.strip()) or pending
            previous = "comment"
            continue
        if lang == "graphql":
            assert pending is not None, f"ratings.md line {line}: no <!-- as: member --> before"
            steps.append(Step(pending[0], body, line, captures=pending[1]))
            pending = None
        elif lang == "json" and want_answer:
            steps[-1].answer = json.loads(body)
        elif lang == "json" and previous == "graphql":
            steps[-1].variables = json.loads(body)
        want_answer = False
        previous = lang
    return steps


def _get(value: Any, path: str) -> Any:
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def _fill(value: Any, captured: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, captured) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, captured) for v in value]
    if isinstance(value, str) and value.startswith("$"):
        assert value[1:] in captured, f"{value} was not captured by an earlier block"
        return captured[value[1:]]
    return value


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


def _operation(document: str) -> OperationType:
    ops = [d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)]
    assert len(ops) == 1, "one operation per block"
    return ops[0].operation


def test_the_page_follows_the_convention() -> None:
    steps = steps_of(DOC.read_text(encoding="utf-8"))
    assert len(steps) >= 10
    assert {s.member for s in steps} == {"alice", "bob", "anonymous"}
    assert all(
        s.answer is not None for s in steps if _operation(s.document) != OperationType.SUBSCRIPTION
    )


async def test_every_example_of_the_page_runs(db: Database, client: httpx.AsyncClient) -> None:
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
    schema = build_schema()._schema
    for step in steps_of(DOC.read_text(encoding="utf-8")):
        where = f"ratings.md line {step.line} (as {step.member})"
        if _operation(step.document) == OperationType.SUBSCRIPTION:
            assert validate(schema, parse(step.document)) == [], where
            continue
        token = tokens[step.member]
        response = await client.post(
            "/graphql",
            json={"query": step.document, "variables": _fill(step.variables, captured)},
            headers=bearer(token) if token else {},
        )
        assert response.status_code == 200, f"{where}: {response.text}"
        body = response.json()
        assert "errors" not in body, f"{where}: {body['errors']}"
        assert step.answer is not None, f"{where}: the page shows no answer"
        problems = _compare(step.answer["data"], body["data"], "data")
        assert not problems, f"{where}:\n" + "\n".join(problems) + f"\n{json.dumps(body)}"
        for name, path in step.captures.items():
            captured[name] = _get(body["data"], path)
