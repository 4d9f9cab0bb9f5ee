"""Query cost: what a document may make the server load, known before anything runs.

The cost of a document is an upper bound on the objects its answer may hold (docs/limits.md):

- a field whose type is an object, an interface or a union costs 1 (a root mutation field
  costs MUTATION_WEIGHT); scalar and enum fields cost nothing; FIELD_WEIGHTS names the fields
  that cost more (searches, counts);
- a list field multiplies the cost of itself and everything under it by its size: its
  `first`/`last` argument when it has one (the literal, the variable's value, else the
  variable's or the schema's default), else an assumed size (LIST_SIZES, DEFAULT_LIST_SIZE);
- a connection (a field with `first`/`last` whose type is an object) passes its page size to
  the `edges`/`nodes` lists directly under it, so nested connections multiply through;
- fragments count where they are spread (an upper bound: selections of other types and
  duplicates are all counted); introspection (`__schema`, `__type`) costs INTROSPECTION_COST;
- a request costs at least 1.

The analysis of a document is compiled once (a plan, cached by query text and operation name,
like the parser and validation caches) and evaluated per request with its variables. The
`QueryCost` extension runs it after validation, refuses a document over the caller's maximum
(COST_LIMIT_EXCEEDED) or over the caller's remaining budget (RATE_LIMITED, `retryAfter`), and
reports `extensions.cost` in the response. Nothing has run when either is refused.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    validate,
)
from graphql.type.definition import GraphQLInterfaceType
from strawberry.extensions import SchemaExtension

from c2c_api.authz import Actor, ActorKind
from c2c_api.config import Settings
from c2c_api.i18n import translate
from c2c_api.kit.ratelimit import Buckets, Rate, Take

log = logging.getLogger("c2c_api.graphql")

COST_LIMIT_EXCEEDED = "COST_LIMIT_EXCEEDED"
RATE_LIMITED = "RATE_LIMITED"

MUTATION_WEIGHT = 10
INTROSPECTION_COST = 10
DEFAULT_LIST_SIZE = 10
# Lists without `first`/`last`, by field name: the most they hold (or a fair bound).
LIST_SIZES: dict[str, int] = {
    "photos": 20,  # C2C_PHOTO_MAX_PER_LISTING's default
    "attributeValues": 20,
    "attributes": 20,
    "options": 50,
    "children": 30,
    "path": 6,
    "categories": 50,
    "kinds": 8,
    "conditions": 8,
    "priceBuckets": 10,
}
# Fields that cost more than the objects they return: statements that read many rows.
FIELD_WEIGHTS: dict[str, int] = {
    "Query.listings": 200,  # a search: ranking over up to three tiers, up to 9 statements
    "ListingSearchConnection.facets": 100,  # counts every match (up to 20,000)
    "ListingSearchConnection.totalCount": 20,  # counts up to 1,000 matches
}
CONNECTION_LISTS = ("edges", "nodes")
PAGE_ARGUMENTS = ("first", "last")
# Integer literals longer than this are not parsed (a 5,000-digit Int): treated as HUGE.
HUGE = 10**9

MESSAGES_FR = {
    "This request is too expensive: it costs {cost}, the most allowed is {maximum}.": (
        "Cette requête est trop coûteuse : elle coûte {cost}, le maximum autorisé est {maximum}."
    ),
    "Too many requests: your budget is exhausted, retry in {seconds} s.": (
        "Trop de requêtes : votre budget est épuisé, réessayez dans {seconds} s."
    ),
    "This request is too complex to analyse.": "Cette requête est trop complexe à analyser.",
}


def _message(template: str, locale: str, **values: Any) -> str:
    text = MESSAGES_FR.get(template, template) if locale == "fr" else template
    return translate(text, locale).format(**values)


class Size(NamedTuple):
    """A list's size: `constant`, unless the request's `variable` holds an int."""

    constant: int
    variable: str | None = None

    def resolve(self, variables: Mapping[str, Any]) -> int:
        if self.variable is not None:
            value = variables.get(self.variable)
            if isinstance(value, int) and not isinstance(value, bool):
                return max(0, value)
        return self.constant


class Plan(NamedTuple):
    """One costed selection: `weight` for itself, times `size` with what lies under it."""

    weight: int
    size: Size | None
    children: tuple[Plan, ...]


def evaluate(plans: Iterable[Plan], variables: Mapping[str, Any]) -> int:
    """The cost of compiled selections for a request's variables."""
    memo: dict[int, int] = {}

    def cost(plan: Plan) -> int:
        key = id(plan)
        known = memo.get(key)
        if known is not None:
            return known
        inner = plan.weight + sum(cost(child) for child in plan.children)
        total = inner * plan.size.resolve(variables) if plan.size is not None else inner
        memo[key] = total
        return total

    return max(1, sum(cost(plan) for plan in plans))


class _Compiler:
    """Turns one operation into plans; fragments compiled once per page size (memoised)."""

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
    ) -> None:
        self.schema = schema
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.variable_defaults: dict[str, int] = {}
        for definition in operation.variable_definitions or ():
            default = definition.default_value
            if isinstance(default, IntValueNode):
                self.variable_defaults[definition.variable.name.value] = _int(default)
        self._fragment_plans: dict[tuple[str, Size | None], Plan] = {}

    def selections(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType,
        page: Size | None,
        *,
        weight: int = 1,
    ) -> tuple[Plan, ...]:
        if selection_set is None:
            return ()
        plans: list[Plan] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                plan = self.field(selection, parent, page, weight)
                if plan is not None:
                    plans.append(plan)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                children = self.selections(selection.selection_set, target or parent, page)
                plans.append(Plan(0, None, children))
            elif isinstance(selection, FragmentSpreadNode):
                plans.append(self.fragment(selection.name.value, parent, page))
        return tuple(plans)

    def fragment(self, name: str, parent: GraphQLNamedType, page: Size | None) -> Plan:
        key = (name, page)
        plan = self._fragment_plans.get(key)
        if plan is None:
            definition = self.fragments[name]
            target = self.schema.get_type(definition.type_condition.name.value) or parent
            plan = Plan(0, None, self.selections(definition.selection_set, target, page))
            self._fragment_plans[key] = plan
        return plan

    def field(
        self, node: FieldNode, parent: GraphQLNamedType, page: Size | None, weight: int
    ) -> Plan | None:
        name = node.name.value
        if name in ("__schema", "__type"):
            return Plan(INTROSPECTION_COST, None, ())
        if not isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            return None  # __typename on a union
        definition = parent.fields.get(name)
        if definition is None:
            return None  # __typename
        named = get_named_type(definition.type)
        weight = FIELD_WEIGHTS.get(f"{parent.name}.{name}", weight)
        if is_leaf_type(named):
            return Plan(weight, None, ()) if f"{parent.name}.{name}" in FIELD_WEIGHTS else None
        own_page = self.page_size(node, definition)
        if is_list_type(get_nullable_type(definition.type)):
            if own_page is not None:
                size = own_page
            elif page is not None and name in CONNECTION_LISTS:
                size = page
            else:
                size = Size(LIST_SIZES.get(name, DEFAULT_LIST_SIZE))
            return Plan(weight, size, self.selections(node.selection_set, named, None))
        return Plan(weight, None, self.selections(node.selection_set, named, own_page))

    def page_size(self, node: FieldNode, definition: GraphQLField) -> Size | None:
        """The `first`/`last` of a field that takes one (literal, variable or default)."""
        argument_name = next((a for a in PAGE_ARGUMENTS if a in definition.args), None)
        if argument_name is None:
            return None
        schema_default = definition.args[argument_name].default_value
        fallback = schema_default if isinstance(schema_default, int) else DEFAULT_LIST_SIZE
        for argument in node.arguments or ():
            if argument.name.value not in PAGE_ARGUMENTS:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return Size(max(0, _int(value)))
            if isinstance(value, VariableNode):
                variable = value.name.value
                return Size(self.variable_defaults.get(variable, fallback), variable)
            return Size(fallback)  # null or a wrong type: execution refuses it
        return Size(fallback)


def _int(node: IntValueNode) -> int:
    digits = node.value.lstrip("-")
    if len(digits) > 9:
        return HUGE
    return int(node.value)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


def compile_plans(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> tuple[Plan, ...] | None:
    """The cost plans of the selected operation (None when no single operation is selected)."""
    operation = _operation(document, operation_name)
    if operation is None:
        return None
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    if root is None:
        return None
    weight = MUTATION_WEIGHT if operation.operation == OperationType.MUTATION else 1
    compiler = _Compiler(schema, document, operation)
    return compiler.selections(operation.selection_set, root, None, weight=weight)


class PlanCache:
    """Compiled plans by (query text, operation name), least recently used evicted."""

    def __init__(self, maxsize: int) -> None:
        self._plans: OrderedDict[tuple[str, str | None], tuple[Plan, ...] | None] = OrderedDict()
        self._maxsize = maxsize

    def get(
        self,
        schema: GraphQLSchema,
        query: str,
        document: DocumentNode,
        operation_name: str | None,
    ) -> tuple[Plan, ...] | None:
        key = (query, operation_name)
        try:
            plans = self._plans[key]
        except KeyError:
            plans = compile_plans(schema, document, operation_name)
            self._plans[key] = plans
            if len(self._plans) > self._maxsize:
                self._plans.popitem(last=False)
            return plans
        self._plans.move_to_end(key)
        return plans


@dataclass(frozen=True, slots=True)
class CallerLimits:
    """What one kind of caller may spend: per request, and its budget."""

    maximum: int
    rate: Rate


def caller_limits(settings: Settings, kind: ActorKind) -> CallerLimits:
    name = kind.value
    return CallerLimits(
        maximum=getattr(settings, f"graphql_cost_max_{name}"),
        rate=Rate(
            capacity=getattr(settings, f"graphql_budget_capacity_{name}"),
            refill_per_second=getattr(settings, f"graphql_budget_refill_{name}"),
        ),
    )


def budget_key(actor: Actor, client_address: str | None) -> str:
    """Whose budget a request spends: the OAuth client (per member for members), else the IP."""
    if actor.kind == ActorKind.ANONYMOUS or actor.client_id is None:
        return f"ip:{client_address or 'unknown'}"
    if actor.member_id is not None:
        return f"client:{actor.client_id}:member:{actor.member_id}"
    return f"client:{actor.client_id}"


class Operation(NamedTuple):
    query: str
    document: DocumentNode
    operation_name: str | None


async def assess(
    settings: Settings,
    plans: PlanCache,
    schema: GraphQLSchema,
    operation: Operation,
    variables: Mapping[str, Any],
    *,
    actor: Actor,
    locale: str,
    connection: Any,
) -> tuple[dict[str, Any] | None, GraphQLError | None]:
    """An operation's cost against the caller's maximum, then taken from the budget of the
    caller through `connection` (the HTTP request or the WebSocket; none spends nothing):
    the report for `extensions.cost`, and the refusal (COST_LIMIT_EXCEEDED, RATE_LIMITED)."""
    limits = caller_limits(settings, actor.kind)
    try:
        compiled = plans.get(schema, operation.query, operation.document, operation.operation_name)
    except RecursionError:
        return None, GraphQLError(
            _message("This request is too complex to analyse.", locale),
            extensions={"code": COST_LIMIT_EXCEEDED, "maximum": limits.maximum},
        )
    if compiled is None:
        return None, None  # no single operation: strawberry reports it
    cost = evaluate(compiled, variables)
    report: dict[str, Any] = {"requested": cost, "maximum": limits.maximum}
    if cost > limits.maximum:
        return report, GraphQLError(
            _message(
                "This request is too expensive: it costs {cost}, the most allowed is {maximum}.",
                locale,
                cost=cost,
                maximum=limits.maximum,
            ),
            extensions={"code": COST_LIMIT_EXCEEDED, "cost": cost, "maximum": limits.maximum},
        )
    buckets = _buckets_of(connection)
    if buckets is None:
        return report, None
    address = connection.client.host if connection.client else None
    outcome: Take = await buckets.take(budget_key(actor, address), cost, limits.rate)
    report["budget"] = {
        "remaining": int(outcome.remaining),
        "capacity": limits.rate.capacity,
        "refillPerSecond": limits.rate.refill_per_second,
    }
    if outcome.allowed:
        return report, None
    seconds = outcome.retry_after_seconds
    return report, GraphQLError(
        _message(
            "Too many requests: your budget is exhausted, retry in {seconds} s.",
            locale,
            seconds=seconds,
        ),
        extensions={"code": RATE_LIMITED, "retryAfter": seconds, "cost": cost},
    )


def make_query_cost(settings: Settings, plans: PlanCache) -> type[SchemaExtension]:
    """The QueryCost extension class for `settings` (plans shared by every request)."""

    class QueryCost(SchemaExtension):
        """Refuses documents over the caller's maximum or budget; reports `extensions.cost`."""

        _report: dict[str, Any] | None = None

        async def on_validate(self) -> AsyncIterator[None]:
            # Strawberry reads the validation errors before the hooks' code after `yield`
            # runs: the cost is checked before it, once the document is valid.
            execution_context = self.execution_context
            if execution_context.pre_execution_errors is None:
                # No validation cache ran before this extension: validate here (once).
                assert execution_context.graphql_document is not None
                execution_context.pre_execution_errors = validate(
                    execution_context.schema._schema,
                    execution_context.graphql_document,
                    execution_context.validation_rules,
                )
            if not execution_context.pre_execution_errors:
                await self._check()
            yield

        async def _check(self) -> None:
            execution_context = self.execution_context
            document = execution_context.graphql_document
            query = execution_context.query
            context = execution_context.context
            actor: Actor | None = getattr(context, "actor", None)
            if document is None or query is None or actor is None:
                return
            report, refusal = await assess(
                settings,
                plans,
                execution_context.schema._schema,
                Operation(query, document, execution_context.operation_name),
                execution_context.variables or {},
                actor=actor,
                locale=str(getattr(context, "locale", "en") or "en"),
                connection=_connection_of(context),
            )
            self._report = report
            if refusal is not None:
                errors = list(self.execution_context.pre_execution_errors or ())
                errors.append(refusal)
                self.execution_context.pre_execution_errors = errors

        def get_results(self) -> dict[str, Any]:
            return {"cost": self._report} if self._report is not None else {}

    return QueryCost


def _connection_of(context: Any) -> Any:
    """The HTTP request, or the WebSocket of an operation sent over one (both spend budget)."""
    return getattr(context, "request", None) or getattr(context, "websocket", None)


def _buckets_of(request: Any) -> Buckets | None:
    """The app's budgets (app.state.cost_budgets), absent when the schema runs without one."""
    if request is None:
        return None
    try:
        state = request.app.state
    except (AttributeError, KeyError):
        return None
    buckets: Buckets | None = getattr(state, "cost_budgets", None)
    return buckets
