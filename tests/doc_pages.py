"""Pages of docs/ whose GraphQL examples a test runs (journey.md, messaging.md, ratings.md).

The convention (written at the top of docs/journey.md):
- `<!-- as: bob -->` before a ```graphql block: who sends it; `<!-- as: bob; capture: orderId =
  buyNow.order.id -->` also keeps a value of the answer (a dot path; list items by index);
- a ```json block right after the ```graphql block is its variables (`"$name"`: a captured
  value; `"$tomorrow"`: tomorrow's date-time, UTC);
- `<!-- answer -->` before a ```json block: the answer the page shows. Each page's test says
  how it compares the shown answer with the real one (`compare`).
- `<!-- event: Name -->` before a ```json block (after the block whose effect it shows): the
  next event the subscription named `Name` (its operation name) hears, as the page shows it.
A subscription block opens that subscription over a real WebSocket when the test gives a
`Live` (the events committed before it are delivered first: it hears what follows), and is
only validated against the schema otherwise. Any GraphQL error fails the test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

import httpx
from graphql import OperationType, parse, validate
from graphql.language import OperationDefinitionNode

from auth_factories import bearer
from c2c_api.graphql.schema import build_schema
from c2c_api.kit.clock import utcnow

TOKEN = re.compile(r"<!--(?P<comment>.*?)-->|^```(?P<lang>\w*)\n(?P<body>.*?)^```", re.S | re.M)

Compare = Callable[[Any, Any, str], list[str]]


@dataclass
class Step:
    member: str
    document: str
    line: int
    captures: dict[str, str] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    answer: dict[str, Any] | None = None
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class Subscription(Protocol):
    async def next_payload(self) -> dict[str, Any]:
        """The payload of the next `next` message (the test fails if none comes in time)."""
        ...


class Live(Protocol):
    """What a page's test gives run_page to run its subscriptions over a real WebSocket."""

    async def subscribe(
        self, token: str | None, document: str, variables: dict[str, Any]
    ) -> Subscription: ...

    async def deliver(self) -> None:
        """Deliver the committed events to the subscribers (the outbox relay)."""
        ...


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


def steps_of(text: str, page: str = "the page") -> list[Step]:
    """The page's GraphQL blocks in order, each with its sender, variables and answer."""
    steps: list[Step] = []
    pending: tuple[str, dict[str, str]] | None = None
    want_answer = False
    want_event: str | None = None
    previous: str | None = None  # the kind of the token before this one
    for match in TOKEN.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        comment, lang, body = match.group("comment"), match.group("lang"), match.group("body")
        if comment is not None:
            want_answer = comment.strip() == "answer"
            key, _, name = comment.strip().partition(":")
            want_event = name.strip() if key.strip() == "event" else None
            pending = _directive(comment.strip()) or pending
            previous = "comment"
            continue
        if lang == "graphql":
            assert pending is not None, f"{page} line {line}: no <!-- as: member --> before"
            steps.append(Step(pending[0], body, line, captures=pending[1]))
            pending = None
        elif lang == "json" and want_event:
            assert steps, f"{page} line {line}: an event before any block"
            steps[-1].events.append((want_event, json.loads(body)))
        elif lang == "json" and want_answer:
            assert steps, f"{page} line {line}: an answer before any query"
            steps[-1].answer = json.loads(body)
        elif lang == "json" and previous == "graphql":
            steps[-1].variables = json.loads(body)
        want_answer = False
        want_event = None
        previous = lang
    return steps


def get_path(value: Any, path: str) -> Any:
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def fill(value: Any, captured: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: fill(v, captured) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, captured) for v in value]
    if isinstance(value, str) and value.startswith("$"):
        if value == "$tomorrow":
            return (utcnow() + timedelta(days=1)).isoformat()
        assert value[1:] in captured, f"{value} was not captured by an earlier block"
        return captured[value[1:]]
    return value


def _operation(document: str) -> OperationDefinitionNode:
    ops = [d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)]
    assert len(ops) == 1, "one operation per block"
    return ops[0]


def operation_of(document: str) -> OperationType:
    return _operation(document).operation


def every_answer_shown(steps: list[Step]) -> bool:
    """Every block but a subscription shows its answer."""
    return all(
        s.answer is not None
        for s in steps
        if operation_of(s.document) != OperationType.SUBSCRIPTION
    )


async def run_page(
    client: httpx.AsyncClient,
    text: str,
    *,
    page: str,
    token_of: Callable[[str], Awaitable[str | None]],
    compare: Compare,
    captured: dict[str, Any] | None = None,
    live: Live | None = None,
) -> None:
    """Send every block of the page in order as its member (`token_of(name)`, None:
    anonymous), check each answer with `compare`, keep the captures for later blocks; with
    `live`, run its subscriptions and check the events it shows."""
    schema = build_schema()._schema
    captured = dict(captured or {})
    tokens: dict[str, str | None] = {}
    subscriptions: dict[str, Subscription] = {}
    for step in steps_of(text, page):
        where = f"{page} line {step.line} (as {step.member})"
        if step.member not in tokens:
            tokens[step.member] = await token_of(step.member)
        token = tokens[step.member]
        if operation_of(step.document) == OperationType.SUBSCRIPTION:
            assert validate(schema, parse(step.document)) == [], where
            name = _operation(step.document).name
            if live is not None:
                assert name is not None, f"{where}: a subscription the page runs has a name"
                await live.deliver()  # what was committed before: it hears what follows
                subscriptions[name.value] = await live.subscribe(
                    token, step.document, fill(step.variables, captured)
                )
            continue
        response = await client.post(
            "/graphql",
            json={"query": step.document, "variables": fill(step.variables, captured)},
            headers=bearer(token) if token else {},
        )
        assert response.status_code == 200, f"{where}: {response.text}"
        body = response.json()
        assert "errors" not in body, f"{where}: {body['errors']}"
        assert step.answer is not None, f"{where}: the page shows no answer"
        problems = compare(step.answer["data"], body["data"], "data")
        assert not problems, f"{where}:\n" + "\n".join(problems) + f"\n{json.dumps(body)}"
        for name, path in step.captures.items():
            captured[name] = get_path(body["data"], path)
        if step.events and live is not None:
            await live.deliver()
        if live is not None:
            await _check_events(step, subscriptions, compare, where)


async def _check_events(
    step: Step, subscriptions: dict[str, Subscription], compare: Compare, where: str
) -> None:
    """The events the page shows after `step`, each subscription's in any order (events of
    one transaction have no order between them)."""
    names = sorted({name for name, _ in step.events})
    for name in names:
        assert name in subscriptions, f"{where}: no subscription {name} opened before"
        shown = [event for n, event in step.events if n == name]
        heard = [await subscriptions[name].next_payload() for _ in shown]
        for payload in heard:
            assert "errors" not in payload, f"{where}: event of {name}: {payload['errors']}"
        for expected in shown:
            tries = [compare(expected["data"], p["data"], f"event {name}") for p in heard]
            if any(not problems for problems in tries):
                heard.pop(tries.index([]))
                continue
            raise AssertionError(
                f"{where}: no event of {name} as shown:\n"
                + "\n".join(tries[0])
                + f"\n{json.dumps(heard)}"
            )
