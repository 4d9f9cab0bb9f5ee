"""Execution: strawberry's execution context with a shortcut for plain leaf fields.

A search page completes ~580 fields, most of them plain attributes holding a scalar (title,
amount, city, …). For each, graphql-core builds a resolve-info tuple, calls strawberry's basic
resolver (which calls `getattr`), checks for an awaitable and walks `complete_value` down to
the scalar's `coerce_output_value`. For fields that strawberry itself resolves without an
`Info` (its "basic" fields: no resolver, no field extension, the default `getattr` resolver)
and whose type is a scalar or an enum, `execute_field` here reads the attribute and coerces
it directly: the same value, through the same coercion.

Anything else takes graphql-core's path unchanged: fields with arguments, resolvers or
extensions, objects, lists, abstract types, `__typename`, requests with field middleware
(a schema extension implementing `resolve`), and every value the shortcut cannot vouch for
(null on a non-null field, a failed coercion, an attribute that raises), which graphql-core
then resolves again and reports as it always does. Measured in docs/performance.md.

It overrides graphql-core's `ExecutionContext.execute_field` (not a public API: its signature
changed between graphql-core 3.2 and 3.3) and reads strawberry's `is_basic_field` and
`DEFINITION_BACKREF`. It is therefore behind a setting (C2C_GRAPHQL_EXECUTION_SHORTCUT, on by
default) and enabled only on the versions it was written and tested for (WRITTEN_FOR); on any
other version the schema uses strawberry's plain execution context and logs a warning. CI runs
the GraphQL and listing tests a second time with the shortcut off (.ci/run).
"""

from __future__ import annotations

import logging
from importlib import metadata
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLEnumType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
)
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

log = logging.getLogger("c2c_api.graphql")

# The distributions (and versions) whose private APIs the shortcut relies on.
WRITTEN_FOR = {"graphql-core": "3.3.2", "strawberry-graphql": "0.341.2"}


def installed_versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in WRITTEN_FOR:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "missing"
    return found


def shortcut_supported(versions: dict[str, str] | None = None) -> bool:
    """Whether the installed graphql-core and strawberry are those the shortcut was written for."""
    versions = installed_versions() if versions is None else versions
    mismatched = {n: v for n, v in versions.items() if WRITTEN_FOR.get(n) != v}
    if mismatched:
        log.warning(
            "execution shortcut disabled: written for %s, installed %s",
            ", ".join(f"{n} {v}" for n, v in WRITTEN_FOR.items()),
            ", ".join(f"{n} {v}" for n, v in mismatched.items()),
        )
        return False
    return True


def execution_context_class(enabled: bool) -> type[StrawberryGraphQLCoreExecutionContext]:
    """The execution context for the schema: the shortcut when enabled and supported."""
    if enabled and shortcut_supported():
        return LeafShortcutContext
    return StrawberryGraphQLCoreExecutionContext


class PlainLeaf(NamedTuple):
    python_name: str
    type: GraphQLScalarType | GraphQLEnumType
    non_null: bool


# Per object type name, per field name: how to read a plain leaf field.
Plans = dict[str, dict[str, PlainLeaf]]

_plans: WeakKeyDictionary[GraphQLSchema, Plans] = WeakKeyDictionary()


def plain_leaf(field: Any) -> PlainLeaf | None:
    """How to read a field directly, or None when it must go through graphql-core."""
    if field.args or not getattr(field.resolve, "_is_default", False):
        return None
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return None
    if definition.default_resolver is not getattr:
        return None
    field_type = field.type
    non_null = isinstance(field_type, GraphQLNonNull)
    if non_null:
        field_type = field_type.of_type
    if not isinstance(field_type, (GraphQLScalarType, GraphQLEnumType)):
        return None
    return PlainLeaf(definition.python_name, field_type, non_null)


def plans_of(schema: GraphQLSchema) -> Plans:
    """The plain leaf fields of every object type of the schema (computed once per schema)."""
    plans = _plans.get(schema)
    if plans is None:
        plans = {}
        for name, named_type in schema.type_map.items():
            if isinstance(named_type, GraphQLObjectType) and not name.startswith("__"):
                leaves = {
                    field_name: leaf
                    for field_name, field in named_type.fields.items()
                    if (leaf := plain_leaf(field)) is not None
                }
                if leaves:
                    plans[name] = leaves
        _plans[schema] = plans
    return plans


class LeafShortcutContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution, with plain leaf fields read and coerced directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._leaf_plans: Plans = (
            {} if manager is not None and manager.middlewares else plans_of(self.schema)
        )

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        leaves = self._leaf_plans.get(parent_type.name)
        if leaves is not None:
            node = field_details_list[0].node
            leaf = leaves.get(node.name.value)
            if leaf is not None and not node.arguments:
                try:
                    value = getattr(source, leaf.python_name)
                    if value is None:
                        if not leaf.non_null:
                            return None
                    else:
                        coerced = leaf.type.coerce_output_value(value)
                        if coerced is not None and coerced is not Undefined:
                            return coerced
                except Exception:  # noqa: S110 - graphql-core resolves it again and reports it
                    pass
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
