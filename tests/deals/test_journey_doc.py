"""docs/journey.md runs: every ```graphql block of the page, in order, over HTTP, as the demo
member the page names, on both databases.

The page's convention (also written at its top, in an HTML comment):

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

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from graphql import OperationType, parse, validate
from graphql.language import OperationDefinitionNode

from auth_factories import bearer, member_tokens
from c2c_api.db import Database
from c2c_api.demo import seed_demo
from c2c_api.graphql.schema import build_schema
from c2c_api.kit.clock import utcnow
from c2c_api.users.service import get_member_by_email

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
    """`as: bob; capture: a = x.y, b = z` -> ("bob", {"a": "x.y", "b": "z"})."""
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
    previous: str | None = None  # the kind of the token before this one
    for match in TOKEN.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        comment, lang, body = match.group("comment"), match.group("lang"), match.group("body")
        if comment is not None:
            want_answer = comment.strip() == "answer"
            pending = _directive(comment.strip()) or pending
            previous = "comment"
            continue
        if lang == "graphql":
            assert pending is not None, f"journey.md line {line}: no <!-- as: member --> before"
            steps.append(Step(pending[0], body, line, captures=pending[1]))
            pending = None
        elif lang == "json" and want_answer:
            assert steps, f"journey.md line {line}: an answer before any query"
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
        if value == "$tomorrow":
            return (utcnow() + timedelta(days=1)).isoformat()
        assert value[1:] in captured, f"{value} was not captured by an earlier block"
        return captured[value[1:]]
    return value


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


def _operation(document: str) -> OperationType:
    ops = [d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)]
    assert len(ops) == 1, "one operation per block"
    return ops[0].operation


async def _token(db: Database, name: str) -> str:
    async with db.sessionmaker() as session:
        member = await get_member_by_email(session, email=f"{name}@example.com")
    assert member is not None, f"{name}@example.com is not a demo member"
    tokens = await member_tokens(db, member=member, scopes=SCOPES)
    return str(tokens["access_token"])


def test_the_page_follows_the_convention() -> None:
    steps = steps_of(DOC.read_text(encoding="utf-8"))
    assert len(steps) >= 25
    assert {s.member for s in steps} == {"alice", "bob"}
    assert all(
        s.answer is not None for s in steps if _operation(s.document) != OperationType.SUBSCRIPTION
    )


async def test_every_example_of_the_journey_runs(db: Database, client: httpx.AsyncClient) -> None:
    await seed_demo(db)
    schema = build_schema()._schema
    tokens: dict[str, str] = {}
    captured: dict[str, Any] = {}
    for step in steps_of(DOC.read_text(encoding="utf-8")):
        where = f"journey.md line {step.line} (as {step.member})"
        if _operation(step.document) == OperationType.SUBSCRIPTION:
            assert validate(schema, parse(step.document)) == [], where
            continue
        if step.member not in tokens:
            tokens[step.member] = await _token(db, step.member)
        response = await client.post(
            "/graphql",
            json={"query": step.document, "variables": _fill(step.variables, captured)},
            headers=bearer(tokens[step.member]),
        )
        assert response.status_code == 200, f"{where}: {response.text}"
        body = response.json()
        assert "errors" not in body, f"{where}: {body['errors']}"
        assert step.answer is not None, f"{where}: the page shows no answer"
        problems = _compare(step.answer["data"], body["data"], "data")
        assert not problems, f"{where}:\n" + "\n".join(problems) + f"\n{json.dumps(body)}"
        for name, path in step.captures.items():
            captured[name] = _get(body["data"], path)
