"""Every query, mutation and subscription field of the live schema, against every kind of caller.

The classification lives in tests/authz_matrix/ (one module per domain): each root field, the
scopes it requires and a document that calls it. A field of the schema missing from the table
fails `test_every_field_is_classified`;
a declaration on the schema that differs from the table fails `test_declarations_match_the_table`;
then each caller runs every document and is refused exactly when its token lacks the scopes
(UNAUTHENTICATED for anonymous callers, INSUFFICIENT_SCOPE otherwise), and never meets an
internal error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from auth_factories import create_member_with_token, partner_token
from authz_matrix import all_entries
from authz_matrix.entry import Entry
from c2c_api.auth.tokens import actor_from_access_token
from c2c_api.authz import ANONYMOUS, SCOPES, ActorKind, scopes_for
from c2c_api.db import Database
from c2c_api.graphql.context import Context
from c2c_api.graphql.permissions import field_scopes
from c2c_api.graphql.schema import Mutation, Query, Subscription, build_schema

MATRIX: dict[str, Entry] = all_entries()


@dataclass(frozen=True)
class Caller:
    name: str
    kind: ActorKind
    scopes: tuple[str, ...] = ()


MEMBER_SCOPES = scopes_for(ActorKind.MEMBER)
PARTNER_SCOPES = scopes_for(ActorKind.PARTNER)
ADMIN_SCOPES = scopes_for(ActorKind.OPERATOR)

CALLERS: list[Caller] = [
    Caller("anonymous", ActorKind.ANONYMOUS),
    Caller("member without scopes", ActorKind.MEMBER),
    *[Caller(f"member with {s}", ActorKind.MEMBER, (s,)) for s in MEMBER_SCOPES],
    Caller("member with every member scope", ActorKind.MEMBER, tuple(MEMBER_SCOPES)),
    Caller("partner without scopes", ActorKind.PARTNER),
    *[Caller(f"partner with {s}", ActorKind.PARTNER, (s,)) for s in PARTNER_SCOPES],
    Caller("partner with every partner scope", ActorKind.PARTNER, tuple(PARTNER_SCOPES)),
    *[Caller(f"operator with {s}", ActorKind.OPERATOR, (s,)) for s in ADMIN_SCOPES],
    Caller("operator with every scope", ActorKind.OPERATOR, tuple(MEMBER_SCOPES + ADMIN_SCOPES)),
]


def _live_root_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for root in (Query, Mutation, Subscription):
        definition = root.__strawberry_definition__
        for f in definition.fields:
            graphql_name = build_schema().config.name_converter.get_graphql_name(f)
            fields[f"{definition.name}.{graphql_name}"] = f
    return fields


def _allowed(caller: Caller, required: list[list[str]]) -> bool:
    return not required or any(all(s in caller.scopes for s in alt) for alt in required)


async def _token(db: Database, caller: Caller) -> str | None:
    if caller.kind == ActorKind.ANONYMOUS:
        return None
    if caller.kind == ActorKind.PARTNER:
        _, token = await partner_token(db, scopes=list(caller.scopes))
        return token
    _, token = await create_member_with_token(
        db, scopes=list(caller.scopes), operator=caller.kind == ActorKind.OPERATOR
    )
    return token


def test_every_field_is_classified() -> None:
    unclassified = sorted(set(_live_root_fields()) - set(MATRIX))
    assert unclassified == [], f"add these fields to the authorization matrix: {unclassified}"
    stale = sorted(set(MATRIX) - set(_live_root_fields()))
    assert stale == [], f"these matrix entries are no longer in the schema: {stale}"


def test_declarations_match_the_table() -> None:
    live = _live_root_fields()
    for name, entry in MATRIX.items():
        assert field_scopes(live[name]) == entry.scopes, name


def test_every_scope_in_the_table_exists() -> None:
    for name, entry in MATRIX.items():
        for alternative in entry.scopes:
            for scope in alternative:
                assert scope in SCOPES, (name, scope)


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: c.name)
async def test_outcomes_for_every_caller(
    caller: Caller, db: Database, client: httpx.AsyncClient
) -> None:
    token = await _token(db, caller)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    wrong: list[str] = []
    for name, entry in MATRIX.items():
        if name.startswith("Subscription."):
            continue  # not served over HTTP: test_subscription_outcomes_for_every_caller
        response = await client.post(
            "/graphql",
            json={"query": entry.document, "variables": entry.variables},
            headers=headers,
        )
        assert response.status_code == 200, (name, response.status_code, response.text)
        errors = response.json().get("errors") or []
        codes = {(e.get("extensions") or {}).get("code") for e in errors}
        assert "INTERNAL_SERVER_ERROR" not in codes, (name, errors)
        denied = bool(codes & {"UNAUTHENTICATED", "INSUFFICIENT_SCOPE"})
        expected_denied = not _allowed(caller, entry.scopes)
        if denied != expected_denied:
            wrong.append(f"{name}: denied={denied}, expected {expected_denied} ({errors})")
        if expected_denied:
            expected = (
                "UNAUTHENTICATED" if caller.kind == ActorKind.ANONYMOUS else "INSUFFICIENT_SCOPE"
            )
            if expected not in codes:
                wrong.append(f"{name}: expected {expected}, got {codes}")
    assert wrong == [], "\n".join(wrong)


async def _first_subscription_errors(
    db: Database, token: str | None, entry: Entry
) -> list[dict[str, Any]]:
    """The errors of a subscription's first result, run through the schema in-process (no
    broker: an admitted subscription stops at the broker, after every check of the caller)."""
    actor = await actor_from_access_token(db, token) if token else ANONYMOUS
    context = Context(request=None, actor=actor, db=db, settings=db.settings)
    result = await build_schema().subscribe(
        entry.document, variable_values=entry.variables, context_value=context
    )
    try:
        if not hasattr(result, "__anext__"):
            return [e.formatted for e in result.errors or []]
        first = await result.__anext__()
        await result.aclose()
        return [e.formatted for e in first.errors or []]
    finally:
        await context.close()


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: c.name)
async def test_subscription_outcomes_for_every_caller(caller: Caller, db: Database) -> None:
    token = await _token(db, caller)
    wrong: list[str] = []
    for name, entry in MATRIX.items():
        if not name.startswith("Subscription."):
            continue
        errors = await _first_subscription_errors(db, token, entry)
        codes = {(e.get("extensions") or {}).get("code") for e in errors}
        assert "INTERNAL_SERVER_ERROR" not in codes and None not in codes, (name, errors)
        denied = bool(codes & {"UNAUTHENTICATED", "INSUFFICIENT_SCOPE"})
        if denied != (not _allowed(caller, entry.scopes)):
            wrong.append(f"{name}: denied={denied} ({errors})")
    assert wrong == [], "\n".join(wrong)
