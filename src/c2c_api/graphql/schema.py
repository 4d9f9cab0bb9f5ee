"""The GraphQL schema: domain types merged, limits and error shaping installed."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from c2c_api.categories.graphql import CategoryMutation, CategoryQuery
from c2c_api.config import Settings
from c2c_api.conversations.graphql import ConversationMutation, ConversationQuery
from c2c_api.conversations.subscriptions import ConversationSubscription
from c2c_api.errors import DomainError
from c2c_api.favorites.graphql import FavoriteMutation, FavoriteQuery
from c2c_api.graphql.amounts import SCALARS
from c2c_api.graphql.cost import PlanCache, make_query_cost
from c2c_api.graphql.extensions import MarkMutations, ShapeErrors
from c2c_api.graphql.input_guard import GuardedParserCache, GuardedValidationCache
from c2c_api.graphql.permissions import RequiresScopesDirective, field_scopes
from c2c_api.listings.graphql import LISTING_TYPES
from c2c_api.listings.mutations import ListingMutation, ListingQuery
from c2c_api.listings.subscriptions import ListingSubscription
from c2c_api.notifications.graphql import NotificationMutation, NotificationQuery
from c2c_api.offers.graphql import OfferMutation, OfferQuery, OfferType
from c2c_api.orders.graphql import OrderType
from c2c_api.orders.mutations import OrderMutation, OrderQuery
from c2c_api.orders.subscriptions import OrderSubscription
from c2c_api.partners.graphql import PartnerMutation, PartnerQuery
from c2c_api.photos.graphql import PhotoMutation, PhotoQuery
from c2c_api.questions.graphql import QuestionMutation, QuestionQuery
from c2c_api.ratings.graphql import RatingMutation, RatingType
from c2c_api.ratings.subscriptions import RatingSubscription
from c2c_api.search.graphql import SearchMutation, SearchQuery
from c2c_api.search.subscriptions import SearchSubscription
from c2c_api.trust.graphql import TrustQuery
from c2c_api.users.graphql import UserMutation, UserQuery
from c2c_api.wallet.graphql import PayoutType, WalletMutation, WalletQuery

log = logging.getLogger("c2c_api.graphql")

# Parsed and validated documents kept per process (least recently used evicted).
CACHE_SIZE = 1024


@strawberry.type(description="Entry points for reading.")
class Query(
    UserQuery,
    PartnerQuery,
    CategoryQuery,
    ListingQuery,
    SearchQuery,
    PhotoQuery,
    FavoriteQuery,
    QuestionQuery,
    OrderQuery,
    OfferQuery,
    WalletQuery,
    NotificationQuery,
    TrustQuery,
    ConversationQuery,
):
    pass


@strawberry.type(description="Entry points for changing things; each returns a typed payload.")
class Mutation(
    UserMutation,
    PartnerMutation,
    CategoryMutation,
    ListingMutation,
    SearchMutation,
    PhotoMutation,
    FavoriteMutation,
    QuestionMutation,
    OrderMutation,
    OfferMutation,
    RatingMutation,
    WalletMutation,
    NotificationMutation,
    ConversationMutation,
):
    pass


@strawberry.type(
    description=(
        "Live events over WebSocket (graphql-transport-ws on /graphql; docs/subscriptions.md), "
        "delivered after the change they describe is committed."
    )
)
class Subscription(
    ListingSubscription,
    SearchSubscription,
    OrderSubscription,
    RatingSubscription,
    ConversationSubscription,
):
    pass


class C2CSchema(strawberry.Schema):
    """Logs unexpected errors once, with the request id; expected ones are not errors.
    Holds the settings it was built for and its cost plans (graphql/cost.py), which the
    WebSocket's shared subscriptions use to charge each operation (graphql/ws.py)."""

    settings: Settings
    cost_plans: PlanCache

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        request_id = ""
        if execution_context is not None:
            request_id = getattr(execution_context.context, "request_id", "") or ""
        for error in errors:
            original = error.original_error
            if original is None or isinstance(original, (DomainError, GraphQLError)):
                log.info("graphql error: %s", error.message, extra={"request_id": request_id})
            else:
                log.error(
                    "unexpected error in resolver at %s",
                    error.path,
                    exc_info=original,
                    extra={"request_id": request_id},
                )


def unclassified_root_fields(schema_types: list[type[Any]]) -> list[str]:
    """Root fields without requires()/public(): the schema must not start with any."""
    missing: list[str] = []
    for root in schema_types:
        definition = root.__strawberry_definition__
        for f in definition.fields:
            if field_scopes(f) is None:
                missing.append(f"{definition.name}.{f.python_name}")
    return missing


_built: dict[tuple[object, ...], C2CSchema] = {}

# The settings a schema is built from: one schema per distinct set of them.
SCHEMA_SETTINGS = (
    "graphql_max_tokens",
    "graphql_max_depth",
    "graphql_max_aliases",
    *(
        f"graphql_{what}_{kind}"
        for what in ("cost_max", "budget_capacity", "budget_refill")
        for kind in ("anonymous", "member", "partner", "operator")
    ),
)


def build_schema(settings: Settings | None = None) -> C2CSchema:
    """The schema with its extensions (one per set of limits, built once per process)."""
    settings = settings or Settings()
    key = tuple(getattr(settings, name) for name in SCHEMA_SETTINGS)
    if key not in _built:
        _built[key] = _build_schema(settings)
    return _built[key]


def _build_schema(settings: Settings) -> C2CSchema:
    """Refuses to build when a root field declares neither requires() nor public()."""
    missing = unclassified_root_fields([Query, Mutation, Subscription])
    if missing:
        raise RuntimeError(f"root fields without a scope declaration: {', '.join(missing)}")
    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
    ]
    plans = PlanCache(CACHE_SIZE)
    schema = C2CSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        # every kind of Listing, even when none is returned; the deal nodes
        types=[*LISTING_TYPES.values(), OrderType, OfferType, PayoutType, RatingType],
        schema_directives=[RequiresScopesDirective],
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALARS),
        extensions=[
            # Bounded: an unbounded cache keyed by query text grows with every distinct query.
            # Hostile input (surrogates, deep nesting, long Int literals, fragment chains) is
            # refused with a code before validation (graphql/input_guard.py).
            lambda: GuardedParserCache(maxsize=CACHE_SIZE),
            lambda: GuardedValidationCache(maxsize=CACHE_SIZE),
            lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
            # The limit rules are built once: rule classes made per request would defeat
            # ValidationCache (its key includes the rules), re-validating every request.
            lambda: AddValidationRules(limit_rules),
            # After validation: the document's cost against the caller's maximum and budget.
            make_query_cost(settings, plans),
            MarkMutations,
            ShapeErrors,
        ],
    )
    schema.settings = settings
    schema.cost_plans = plans
    return schema


def schema_sdl(schema: C2CSchema) -> str:
    """The printed SDL, as committed in schema/schema.graphql."""
    return schema.as_str().rstrip() + "\n"
