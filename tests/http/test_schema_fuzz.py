"""Schema-driven fuzzing over HTTP: every root field, hostile arguments, four kinds of caller.

Each example sends one request to every query and mutation field of the live schema, with
arguments drawn by hypothesis from the argument's type: lone surrogates, NULs and control
characters in strings, huge and negative integers, deeply nested JSON, malformed and
wrong-type global ids, invalid dates, and valid values. Whatever the caller (anonymous, member,
partner, operator), no answer is a 5xx and every error carries `extensions.code` other than
INTERNAL_SERVER_ERROR (payload UserErrors always have a code: the schema makes it non-null).
Bounded: at most EXAMPLES_PER_CALLER derandomized examples per caller, and no new one after
SECONDS_PER_CALLER (well under a minute for both databases).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    get_named_type,
    is_leaf_type,
)
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from auth_factories import (
    ALL_ADMIN_SCOPES,
    ALL_MEMBER_SCOPES,
    ALL_PARTNER_SCOPES,
    create_member_with_token,
    partner_token,
)
from c2c_api.db import Database
from c2c_api.graphql.schema import build_schema

SCHEMA = build_schema()._schema
EXAMPLES_PER_CALLER = 3
# Each example sends one request per root field (~40; a password check takes ~0.2 s): the
# first example always runs whole; later ones only while the caller's time lasts.
SECONDS_PER_CALLER = 5.0


def _gid(type_name: str, node_id: str) -> str:
    return base64.b64encode(f"{type_name}:{node_id}".encode()).decode()


HOSTILE_STRINGS = st.sampled_from(
    [
        "\ud800",
        "a\udfffb",
        "nul\x00here",
        "esc\x1b[31m",
        "\u202eevil",
        "x" * 5000,
        "",
        " ",
        "handbags",
        "EUR",
        "FR",
        "' OR 1=1 --",
        "%00",
        "{ __typename }",
    ]
) | st.text(max_size=12)
HOSTILE_INTS = st.sampled_from(
    [0, -1, 1, 2**31 - 1, 2**31, -(2**31) - 1, 10**40, -(10**40)]
) | st.integers(-3, 150)
HOSTILE_FLOATS = st.sampled_from([0.0, -0.0, 91.0, -181.0, 1e308, -1e308, 1e-320]) | st.floats(
    allow_nan=False, allow_infinity=False
)
HOSTILE_IDS = st.sampled_from(
    [
        "",
        "abc",
        "\ud800",
        "nul\x00",
        _gid("Node", str(uuid.uuid4())),
        _gid("Listing", str(uuid.uuid4())),
        _gid("SaleListing", str(uuid.uuid4())),
        _gid("SaleListing", "not-a-uuid"),
        _gid("Photo", str(uuid.uuid4())),
        _gid("Member", str(uuid.uuid4())),
        _gid("Order", str(uuid.uuid4())),
        _gid("Offer", str(uuid.uuid4())),
        _gid("Payout", str(uuid.uuid4())),
        _gid("LedgerEntry", str(uuid.uuid4())),
        _gid("Partner", "1"),
        _gid("Query", "1"),
        _gid("Nope", "\x00"),
        base64.b64encode(b"\xff\xfe").decode(),
        "=" * 10,
    ]
)
HOSTILE_DATES = st.sampled_from(
    ["2026-13-01T00:00:00Z", "not a date", "", "2026-12-24T18:00:00", "9999-12-31T23:59:59Z"]
) | st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat())


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


HOSTILE_JSON = st.sampled_from(
    [
        _nested(40),
        _nested(300),
        {"\ud800": 1},
        {"size": "M\x00"},
        [[[[1]]]],
        "text",
        10**30,
        {"colour": "red"},
        {},
    ]
)

SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "String": HOSTILE_STRINGS,
    "Int": HOSTILE_INTS,
    "Float": HOSTILE_FLOATS,
    "Boolean": st.booleans(),
    "ID": HOSTILE_IDS,
    "JSON": HOSTILE_JSON,
    "DateTime": HOSTILE_DATES,
}


def value_strategy(type_: GraphQLInputType, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values for an input type: mostly well-typed, with hostile content."""
    if isinstance(type_, GraphQLNonNull):
        return _non_null(type_.of_type, depth)
    return st.none() | _non_null(type_, depth)


def _non_null(type_: Any, depth: int) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLList):
        return st.lists(value_strategy(type_.of_type, depth + 1), max_size=3)
    if isinstance(type_, GraphQLEnumType):
        return st.sampled_from(sorted(type_.values))
    if isinstance(type_, GraphQLScalarType):
        return SCALARS.get(type_.name, HOSTILE_STRINGS)
    assert isinstance(type_, GraphQLInputObjectType)
    required = {n: f for n, f in type_.fields.items() if isinstance(f.type, GraphQLNonNull)}
    optional = {n: f for n, f in type_.fields.items() if n not in required}
    if depth > 3:
        optional = {}
    return st.fixed_dictionaries(
        {n: value_strategy(f.type, depth + 1) for n, f in required.items()},
        optional={n: value_strategy(f.type, depth + 1) for n, f in optional.items()},
    )


def _selection(field: GraphQLField) -> str:
    named = get_named_type(field.type)
    if is_leaf_type(named):
        return ""
    if isinstance(named, GraphQLUnionType) and any(t.name == "UserError" for t in named.types):
        return "{ __typename ... on UserError { code fields } }"
    return "{ __typename }"


def _document(operation: str, name: str, field: GraphQLField) -> str:
    args = list(field.args.items())
    declared = ", ".join(f"$a{i}: {arg.type}" for i, (_, arg) in enumerate(args))
    passed = ", ".join(f"{arg_name}: $a{i}" for i, (arg_name, _) in enumerate(args))
    head = f"{operation}({declared})" if args else operation
    call = f"{name}({passed})" if args else name
    return f"{head} {{ {call} {_selection(field)} }}"


ROOT_FIELDS: list[tuple[str, str, GraphQLField]] = [
    (operation, name, field)
    for operation, root in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type))
    if isinstance(root, GraphQLObjectType)
    for name, field in sorted(root.fields.items())
]


def _request_strategy() -> st.SearchStrategy[list[tuple[str, str, dict[str, Any]]]]:
    """One (name, document, variables) per root field."""
    parts = []
    for operation, name, root_field in ROOT_FIELDS:
        document = _document(operation, name, root_field)
        variables = st.fixed_dictionaries(
            {f"a{i}": value_strategy(arg.type) for i, arg in enumerate(root_field.args.values())}
        )
        parts.append(st.tuples(st.just(name), st.just(document), variables))
    return st.tuples(*parts).map(list)


REQUESTS = _request_strategy()


async def _token(db: Database, caller: str) -> str | None:
    if caller == "anonymous":
        return None
    if caller == "partner":
        _, token = await partner_token(db, scopes=ALL_PARTNER_SCOPES)
        return token
    _, token = await create_member_with_token(
        db,
        scopes=ALL_MEMBER_SCOPES + (ALL_ADMIN_SCOPES if caller == "operator" else []),
        operator=caller == "operator",
    )
    return token


@dataclass
class Caller:
    headers: dict[str, str]
    started: float = field(default_factory=time.monotonic)


@pytest.fixture(params=["anonymous", "member", "partner", "operator"])
async def caller(request: pytest.FixtureRequest, db: Database) -> Caller:
    token = await _token(db, request.param)
    return Caller({"Authorization": f"Bearer {token}"} if token else {})


# Owned by another change of issue 8 (section 5, "a malformed global id is a typed error with a
# code"): tolerated here until it lands, then this allowance goes.
def _problems(name: str, response: httpx.Response) -> list[str]:
    if response.status_code >= 500:
        return [f"{name}: HTTP {response.status_code}: {response.text[:300]}"]
    body = response.json()
    found = []
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if not code or code == "INTERNAL_SERVER_ERROR":
            found.append(f"{name}: {code}: {json.dumps(error)[:300]}")
    return found


@settings(
    max_examples=EXAMPLES_PER_CALLER,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure reports its example
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(requests=REQUESTS)
async def test_no_5xx_and_every_error_has_a_code(
    client: httpx.AsyncClient,
    caller: Caller,
    requests: list[tuple[str, str, dict[str, Any]]],
) -> None:
    if time.monotonic() - caller.started > SECONDS_PER_CALLER:
        return  # the time bound: later examples are skipped, earlier ones all ran
    problems: list[str] = []
    for name, document, variables in requests:
        # ensure_ascii (the default) sends lone surrogates as \ud800 escapes, as a client would.
        response = await client.post(
            "/graphql",
            content=json.dumps({"query": document, "variables": variables}),
            headers={"content-type": "application/json", **caller.headers},
        )
        problems += _problems(name, response)
    assert problems == [], "\n".join(problems)
