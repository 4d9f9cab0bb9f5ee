"""The cost table of docs/limits.md: how each field is costed, in words, from the schema.

Generated documentation belongs here, not in the kernel: c2c_api.graphql.cost computes a
document's cost and imports no schema; this module reads the built schema
(`python -m c2c_api.docgen.costs` prints the table; tests/test_limits_doc.py keeps it current).
"""

from __future__ import annotations

from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
)

from c2c_api.graphql.cost import (
    CONNECTION_LISTS,
    DEFAULT_LIST_SIZE,
    FIELD_WEIGHTS,
    LIST_SIZES,
    MUTATION_WEIGHT,
    PAGE_ARGUMENTS,
)

TIMES = "\u00d7"


def field_cost_rule(parent: GraphQLNamedType, name: str, field: GraphQLField, root: str) -> str:
    """How one field is costed, in words (the docs/limits.md table); '' when it is free."""
    key = f"{parent.name}.{name}"
    named = get_named_type(field.type)
    base = MUTATION_WEIGHT if root == "Mutation" and parent.name == "Mutation" else 1
    weight = FIELD_WEIGHTS.get(key, base)
    if is_leaf_type(named):
        return str(weight) if key in FIELD_WEIGHTS else ""
    argument = next((a for a in PAGE_ARGUMENTS if a in field.args), None)
    default = field.args[argument].default_value if argument else None
    page = f"`{argument}` (default {default})" if argument else ""
    if is_list_type(get_nullable_type(field.type)):
        if argument:
            return f"({weight} + what it selects) {TIMES} {page}"
        if name in CONNECTION_LISTS:
            return f"({weight} + what it selects) {TIMES} the connection's page size"
        size = LIST_SIZES.get(name, DEFAULT_LIST_SIZE)
        return f"({weight} + what it selects) {TIMES} {size}"
    if argument:
        return f"{weight} + what it selects; its `edges`/`nodes` {TIMES} {page}"
    return f"{weight} + what it selects"


def cost_table(schema: GraphQLSchema) -> str:
    """A markdown table of every field that costs something, generated from the schema."""
    lines = ["| field | cost |", "|---|---|"]
    for type_name in sorted(schema.type_map):
        named = schema.type_map[type_name]
        if type_name.startswith("__") or not isinstance(
            named, (GraphQLObjectType, GraphQLInterfaceType)
        ):
            continue
        for name, field in named.fields.items():
            rule = field_cost_rule(named, name, field, type_name)
            if rule:
                lines.append(f"| `{type_name}.{name}` | {rule} |")
    return "\n".join(lines) + "\n"


START, END = "<!-- cost-table:start -->\n", "<!-- cost-table:end -->"


def update(page: str, schema: GraphQLSchema) -> str:
    """`page` (docs/limits.md) with the table between its markers replaced by the current one."""
    head, rest = page.split(START, 1)
    _, tail = rest.split(END, 1)
    return head + START + cost_table(schema) + END + tail


if __name__ == "__main__":  # python -m c2c_api.docgen.costs: the table of docs/limits.md
    from c2c_api.graphql.schema import build_schema

    print(cost_table(build_schema()._schema), end="")
