"""Malformed or wrong-type global ids are INVALID_ID, in every operation that takes one.

The operations are found in the schema: every root field with an `ID` argument, directly or
inside an input object (lists included). A mutation whose payload has `UserError` answers it
(code INVALID_ID, `fields` naming the argument); any other field answers an error with
`extensions.code` INVALID_ID, and its siblings survive.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)
from graphql.pyutils import Undefined
from strawberry.relay import GlobalID

from auth_factories import ALL_ADMIN_SCOPES, ALL_MEMBER_SCOPES, bearer, create_member_with_token
from c2c_api.db import Database
from c2c_api.graphql.schema import build_schema

GRAPHQL: GraphQLSchema = build_schema()._schema

BAD_IDS = {
    "malformed": "abc",
    "empty": "",
    "another type": str(GlobalID("Partner", str(uuid.uuid4()))),
    "unknown type": str(GlobalID("Nope", str(uuid.uuid4()))),
    "not a uuid": str(GlobalID("SaleListing", "nope")),
}


@dataclass(frozen=True)
class IdArgument:
    """An `ID` somewhere in a root field's arguments: `path` from the argument down."""

    root: str
    field: str
    path: tuple[str | int, ...]

    @property
    def expected_fields(self) -> list[str]:
        """The argument's name, or its path inside the input object (as `fields` spells it)."""
        inner = self.path[1:] if len(self.path) > 1 else self.path
        return [".".join(str(p) for p in inner)]

    def __str__(self) -> str:
        return f"{self.root}.{self.field}({'.'.join(str(p) for p in self.path)})"


def _id_paths(type_: GraphQLInputType, seen: frozenset[str] = frozenset()) -> list[tuple[Any, ...]]:
    if isinstance(type_, GraphQLNonNull):
        return _id_paths(type_.of_type, seen)
    if isinstance(type_, GraphQLList):
        return [(0, *p) for p in _id_paths(type_.of_type, seen)]
    if isinstance(type_, GraphQLScalarType):
        return [()] if type_.name == "ID" else []
    if isinstance(type_, GraphQLInputObjectType) and type_.name not in seen:
        return [
            (name, *p)
            for name, field in type_.fields.items()
            for p in _id_paths(field.type, seen | {type_.name})
        ]
    return []


def id_arguments() -> list[IdArgument]:
    found = []
    for root in ("Query", "Mutation"):
        root_type = GRAPHQL.get_type(root)
        assert isinstance(root_type, GraphQLObjectType)
        for name, field in root_type.fields.items():
            for arg_name, arg in field.args.items():
                for path in _id_paths(arg.type):
                    found.append(IdArgument(root, name, (arg_name, *path)))
    return found


def _dummy(type_: GraphQLInputType) -> Any:
    """A value of `type_` with only its required parts (never null)."""
    if isinstance(type_, GraphQLNonNull):
        return _dummy(type_.of_type)
    if isinstance(type_, GraphQLList):
        return []
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            n: _dummy(f.type)
            for n, f in type_.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
        }
    assert isinstance(type_, GraphQLScalarType)
    # Another id of the operation (updateListing's `id` beside `input.photoIds`) is well formed.
    other_id = str(GlobalID("SaleListing", str(uuid.uuid4())))
    scalars = {
        "String": "x",
        "Int": 1,
        "MinorUnits": 1,
        "Float": 1.0,
        "Boolean": False,
        "ID": other_id,
    }
    return scalars.get(type_.name, {})


def _with_id(type_: GraphQLInputType, path: tuple[Any, ...], value: str) -> Any:
    """A value of `type_` carrying `value` at `path`."""
    if isinstance(type_, GraphQLNonNull):
        return _with_id(type_.of_type, path, value)
    if not path:
        return value
    if isinstance(type_, GraphQLList):
        return [_with_id(type_.of_type, path[1:], value)]
    assert isinstance(type_, GraphQLInputObjectType)
    data = _dummy(type_)
    data[path[0]] = _with_id(type_.fields[path[0]].type, path[1:], value)
    return data


def _has_user_error(field: GraphQLField) -> bool:
    named = get_named_type(field.type)
    return isinstance(named, GraphQLUnionType) and any(t.name == "UserError" for t in named.types)


def document(target: IdArgument, value: str) -> tuple[str, dict[str, Any]]:
    root_type = GRAPHQL.get_type(target.root)
    assert isinstance(root_type, GraphQLObjectType)
    field = root_type.fields[target.field]
    decls, args, variables = [], [], {}
    for name, arg in field.args.items():
        assert isinstance(arg, GraphQLArgument)
        if name == target.path[0]:
            variables[name] = _with_id(arg.type, target.path[1:], value)
        elif isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined:
            variables[name] = _dummy(arg.type)
        else:
            continue
        decls.append(f"${name}: {arg.type}")
        args.append(f"{name}: ${name}")
    if _has_user_error(field):
        selection = "{ __typename ... on UserError { code fields } }"
    elif isinstance(get_named_type(field.type), (GraphQLScalarType, GraphQLEnumType)):
        selection = ""
    else:
        selection = "{ __typename }"
    operation = "mutation" if target.root == "Mutation" else "query"
    # A sibling that reads no database: resolvers sharing the request's session at the same
    # time is issue 8's finding 6 (another change), not what this test is about.
    sibling = "" if target.root == "Mutation" else " __typename"
    query = (
        f"{operation}({', '.join(decls)}) {{ {target.field}({', '.join(args)}) {selection}"
        f"{sibling} }}"
    )
    return query, variables


TARGETS = id_arguments()


def test_the_schema_has_the_known_id_arguments() -> None:
    names = {str(t) for t in TARGETS}
    for expected in (
        "Query.node(id)",
        "Mutation.addFavorite(listingId)",
        "Mutation.createListing(input.photoIds.0)",
        "Mutation.updateListing(id)",
        "Mutation.updateListing(input.photoIds.0)",
        "Mutation.hideQuestion(questionId)",
        "Mutation.deleteSavedSearch(id)",
    ):
        assert expected in names, sorted(names)


def test_only_root_fields_take_ids() -> None:
    """A nested field with an ID argument would need a case here: none exists today.
    (Subscription.listingChanged(id) answers INVALID_ID too: tests/subscriptions.)"""
    roots = ("Query", "Mutation", "Subscription")
    for type_ in GRAPHQL.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name in roots:
            continue
        for name, field in type_.fields.items():
            for arg_name, arg in field.args.items():
                assert not _id_paths(arg.type), f"{type_.name}.{name}({arg_name})"


@pytest.fixture
async def token(db: Database) -> str:
    """An operator's token holding every member and operator scope: only the id is at fault."""
    scopes = [*ALL_MEMBER_SCOPES, *ALL_ADMIN_SCOPES]
    _, access = await create_member_with_token(db, scopes=scopes, operator=True)
    return access


@pytest.mark.parametrize("target", TARGETS, ids=str)
async def test_a_bad_id_is_invalid_id(
    client: httpx.AsyncClient, token: str, target: IdArgument
) -> None:
    root_type = GRAPHQL.get_type(target.root)
    assert isinstance(root_type, GraphQLObjectType)
    in_payload = _has_user_error(root_type.fields[target.field])
    cases = dict(BAD_IDS)
    if str(target) == "Query.node(id)":
        # Any object type is right for node; an interface's name is not an object's id.
        cases["another type"] = str(GlobalID("Node", str(uuid.uuid4())))
        cases["an interface"] = str(GlobalID("Listing", str(uuid.uuid4())))
    for case, value in cases.items():
        query, variables = document(target, value)
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=bearer(token)
        )
        assert response.status_code == 200, (case, response.text)
        body = response.json()
        if in_payload:
            assert "errors" not in body, (case, body)
            answer = body["data"][target.field]
            assert answer == {
                "__typename": "UserError",
                "code": "INVALID_ID",
                "fields": target.expected_fields,
            }, (case, query, variables)
        else:
            errors = body["errors"]
            assert [e["extensions"]["code"] for e in errors] == ["INVALID_ID"], (case, body)
            assert errors[0]["path"] == [target.field]
            assert body["data"][target.field] is None
            assert body["data"]["__typename"] == "Query", "the sibling survives"
