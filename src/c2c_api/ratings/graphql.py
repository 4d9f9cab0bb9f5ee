"""GraphQL of ratings: the `Rating` node, reputation, `rateOrder` and `replyToRating`.

`Order.myRating`, `Order.ratingOfMe`, `Order.ratingStatus`, `Member.reputation` and
`Member.ratings` are declared on their types (orders/graphql.py, users/graphql.py), which reach
this module through strawberry's lazy types (no import: this module builds on both).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from c2c_api.graphql.errors import UserError, mutation_payload
from c2c_api.graphql.loaders import loader, parse_node_ids
from c2c_api.graphql.permissions import requires
from c2c_api.graphql.relay import connection, decode_cursor, global_id_uuid
from c2c_api.orders.graphql import OrderType, order_uuid
from c2c_api.orders.models import Order
from c2c_api.ratings import service
from c2c_api.ratings.models import CRITERIA_OF, Criterion, RatedRole, Rating
from c2c_api.ratings.service import RatingRules, Reputation, Standing
from c2c_api.users.graphql import MemberType, member_loader

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context

CriterionEnum = strawberry.enum(
    Criterion,
    name="RatingCriterion",
    description=(
        "What a rating scores besides its overall score. A buyer rates the seller on "
        "ITEM_AS_DESCRIBED, COMMUNICATION and HANDOVER (shipped fast and well, or on time at "
        "the meet-up); a seller rates the buyer on COMMUNICATION and PUNCTUALITY (paid, met "
        "and confirmed receipt without delay). Each is optional."
    ),
)
RatedRoleEnum = strawberry.enum(
    RatedRole,
    name="RatedRole",
    description="The rated member's side of the deal: SELLER (rated by the buyer) or BUYER.",
)
MEMBER_RATINGS_SCOPE = "Member.ratings"


def _rules(info: Info) -> RatingRules:
    ctx: Context = info.context
    return RatingRules.from_settings(ctx.settings)


async def _criteria_batch(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
    return await service.criteria_of(ctx.session, ids)


async def _order_ratings_batch(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
    return await service.ratings_of_orders(ctx.session, ids)


async def _reputations_batch(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
    return await service.reputations(
        ctx.session, ids, rules=RatingRules.from_settings(ctx.settings)
    )


@strawberry.type(description="One criterion's score (1 to 5).")
class CriterionScore:
    criterion: CriterionEnum  # type: ignore[valid-type]
    score: int


@strawberry.type(
    name="Rating",
    description=(
        "One member's rating of the other member of a completed order. Double-blind: until it "
        "is revealed (both rated, or the window ended) only its rater sees it; the member it "
        "is about sees nothing of it. Once revealed it is public and never changes, but for "
        "the one reply of the member it is about."
    ),
)
class RatingType(relay.Node):
    id: relay.NodeID[uuid.UUID]
    _row: strawberry.Private[Rating]

    @classmethod
    def from_model(cls, rating: Rating) -> RatingType:
        return cls(id=rating.id, _row=rating)

    @strawberry.field(description="The overall score, 1 to 5.")
    def score(self) -> int:
        return self._row.score

    @strawberry.field
    def comment(self) -> str | None:
        return self._row.comment

    @strawberry.field(description="The rated member's side: SELLER (rated by the buyer) or BUYER.")
    def rated_as(self) -> RatedRoleEnum:  # type: ignore[valid-type]
        return self._row.rated_as

    @strawberry.field(description="When the rater gave it.")
    def created_at(self) -> datetime:
        return self._row.created_at

    @strawberry.field(description="When it became public (null while hidden).")
    def revealed_at(self) -> datetime | None:
        return self._row.revealed_at

    @strawberry.field(description="The rated member's public answer (one, after the reveal).")
    def reply(self) -> str | None:
        return self._row.reply

    @strawberry.field
    def replied_at(self) -> datetime | None:
        return self._row.replied_at

    @strawberry.field(description="The criteria the rater scored, in RatingCriterion's order.")
    async def criteria(self, info: Info) -> list[CriterionScore]:
        rows = await loader(info.context, "rating_criteria", _criteria_batch).load(self._row.id)
        return [CriterionScore(criterion=r.criterion, score=r.score) for r in rows or []]

    @strawberry.field(description="Who gave it.")
    async def rater(self, info: Info) -> MemberType | None:
        member = await member_loader(info).load(self._row.rater_id)
        return MemberType.from_model(member) if member is not None else None

    @strawberry.field(description="Whom it is about.")
    async def rated(self, info: Info) -> MemberType | None:
        member = await member_loader(info).load(self._row.rated_id)
        return MemberType.from_model(member) if member is not None else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> Iterable[RatingType | None]:
        ctx: Context = info.context
        ids = parse_node_ids(node_ids)
        found = await service.get_ratings(ctx.session, ctx.actor, [i for i in ids if i is not None])
        return [cls.from_model(found[i]) if i in found else None for i in ids]

    # -- resolved for other domains' types (through strawberry's lazy types) ---------------------

    @classmethod
    async def member_ratings(
        cls,
        info: Info,
        member_id: uuid.UUID,
        role: RatedRole | None,
        first: int,
        after: str | None,
    ) -> relay.Connection[RatingType]:
        """Member.ratings: the revealed ratings about the member, newest revealed first."""
        ctx: Context = info.context
        page = await service.ratings_of_member(
            ctx.session,
            ctx.actor,
            member_id=member_id,
            role=role,
            limit=first,
            after=decode_cursor(info, MEMBER_RATINGS_SCOPE, after),
        )
        return connection(
            info,
            page,
            scope=MEMBER_RATINGS_SCOPE,
            node=cls.from_model,
            key=lambda r: (r.revealed_at or r.created_at, r.id),
            after=after,
        )

    @classmethod
    async def view_of(cls, info: Info, order: Order) -> service.RatingView | None:
        """What the caller sees of an order's ratings (one statement per page of orders)."""
        ratings = await loader(info.context, "order_ratings", _order_ratings_batch).load(order.id)
        return service.rating_view(info.context.actor, order, ratings or [], rules=_rules(info))

    @classmethod
    async def given_on(cls, info: Info, order: Order) -> RatingType | None:
        view = await cls.view_of(info, order)
        return cls.from_model(view.given) if view and view.given else None

    @classmethod
    async def received_on(cls, info: Info, order: Order) -> RatingType | None:
        view = await cls.view_of(info, order)
        return cls.from_model(view.received) if view and view.received else None


@strawberry.type(
    description=(
        "Where the caller stands with rating an order (its buyer or seller, with ratings:write)."
    )
)
class RatingStatus:
    can_rate: bool = strawberry.field(
        description="The order is completed, the window open, and the caller has not rated."
    )
    deadline: datetime | None = strawberry.field(
        description="When the window closes (null while the order is not completed)."
    )
    rates_as: RatedRoleEnum = strawberry.field(  # type: ignore[valid-type]
        description="The other member's side, which the caller rates."
    )
    viewer_has_rated: bool
    other_has_rated: bool = strawberry.field(
        description="Whether the other member rated (never what, before the reveal)."
    )
    revealed_at: datetime | None = strawberry.field(
        description="When the order's ratings were revealed (null while hidden)."
    )
    criteria: list[CriterionEnum] = strawberry.field(  # type: ignore[valid-type]
        description="The criteria the caller may score."
    )

    @classmethod
    async def of_order(cls, info: Info, order: Order) -> RatingStatus | None:
        view = await RatingType.view_of(info, order)
        if view is None:
            return None
        return cls(
            can_rate=view.can_rate,
            deadline=view.deadline,
            rates_as=view.role,
            viewer_has_rated=view.given is not None,
            other_has_rated=view.other_has_rated,
            revealed_at=view.revealed_at,
            criteria=list(CRITERIA_OF[view.role]),
        )


@strawberry.type(description="A count of revealed ratings and their plain average.")
class RatingTally:
    count: int
    average: float | None = strawberry.field(description="Null when there is none.")


@strawberry.type(description="A criterion's revealed scores.")
class CriterionReputation:
    criterion: CriterionEnum  # type: ignore[valid-type]
    count: int
    average: float


@strawberry.type(
    description=(
        "Reputation in one role (or overall), derived from revealed ratings only "
        "(docs/ratings.md, 'Reputation')."
    )
)
class ReputationStanding:
    count: int = strawberry.field(description="Revealed ratings.")
    average: float | None = strawberry.field(
        description="Plain average of their scores (null without ratings)."
    )
    bayesian_average: float = strawberry.field(
        description=(
            "(priorMean * priorWeight + sum of scores) / (priorWeight + count): the prior "
            "(4.5 over 5 pseudo-ratings by default) keeps a few ratings from swinging it. "
            "Rank and display by this one."
        )
    )
    last_90_days: RatingTally = strawberry.field(
        description="Ratings revealed in the last 90 days."
    )
    trend: float | None = strawberry.field(
        description=(
            "The last 90 days' average minus the average of the ratings revealed before "
            "them; null when either period has none."
        )
    )
    criteria: list[CriterionReputation]

    @classmethod
    def of(cls, standing: Standing) -> ReputationStanding:
        return cls(
            count=standing.count,
            average=standing.all.average,
            bayesian_average=standing.bayesian_average,
            last_90_days=RatingTally(count=standing.recent.count, average=standing.recent.average),
            trend=standing.trend,
            criteria=[
                CriterionReputation(criterion=c, count=t.count, average=t.average or 0.0)
                for c, t in sorted(
                    standing.criteria.items(), key=lambda i: service.CRITERION_ORDER[i[0]]
                )
            ],
        )


@strawberry.type(
    name="Reputation",
    description=(
        "A member's reputation, computed from revealed ratings (never typed in): overall, as "
        "seller and as buyer."
    ),
)
class ReputationType:
    prior_mean: float = strawberry.field(description="Setting C2C_RATINGS_PRIOR_MEAN (4.5).")
    prior_weight: int = strawberry.field(description="Setting C2C_RATINGS_PRIOR_WEIGHT (5).")
    overall: ReputationStanding
    as_seller: ReputationStanding
    as_buyer: ReputationStanding

    @classmethod
    async def of_member(cls, info: Info, member_id: uuid.UUID) -> ReputationType:
        ctx: Context = info.context
        found: Reputation | None = await loader(ctx, "reputations", _reputations_batch).load(
            member_id
        )
        assert found is not None
        rules = _rules(info)
        return cls(
            prior_mean=rules.prior_mean,
            prior_weight=rules.prior_weight,
            overall=ReputationStanding.of(found.overall),
            as_seller=ReputationStanding.of(found.as_seller),
            as_buyer=ReputationStanding.of(found.as_buyer),
        )


@strawberry.input(description="One criterion's score.")
class CriterionScoreInput:
    criterion: CriterionEnum  # type: ignore[valid-type]
    score: int = strawberry.field(description="1 to 5.")


@strawberry.type(
    description=(
        "The rating was recorded. It stays hidden from the other member until they rate too "
        "(then both are revealed at once) or the window ends."
    )
)
class RateOrderSuccess:
    rating: RatingType
    order: OrderType | None = strawberry.field(
        description="The order (null when the token may not see orders: no orders:write)."
    )


RateOrderPayload = Annotated[RateOrderSuccess | UserError, strawberry.union("RateOrderPayload")]


@strawberry.type(description="The reply was published under the rating.")
class ReplyToRatingSuccess:
    rating: RatingType


ReplyToRatingPayload = Annotated[
    ReplyToRatingSuccess | UserError, strawberry.union("ReplyToRatingPayload")
]


def rating_uuid(global_id: str) -> uuid.UUID:
    return global_id_uuid(global_id, "Rating", field="ratingId")


@strawberry.type
class RatingMutation:
    @strawberry.mutation(
        description=(
            "Rate the other member of a completed order you bought or sold: a score from 1 to "
            "5, an optional comment (at most 1000 characters) and optional criteria of your "
            "side. Once per order, within 14 days of completion; a rating is never changed. "
            "Hidden from the other member until they rate too or the window ends."
        ),
        extensions=[requires("ratings:write")],
    )
    @mutation_payload
    async def rate_order(
        self,
        info: Info,
        order_id: strawberry.ID,
        score: int,
        comment: str | None = None,
        criteria: list[CriterionScoreInput] | None = None,
    ) -> RateOrderPayload | None:
        ctx: Context = info.context
        rating = await service.rate_order(
            ctx.session,
            ctx.actor,
            order_id=order_uuid(order_id),
            score=score,
            comment=comment,
            criteria=[(Criterion(c.criterion), c.score) for c in criteria or []],
            settings=ctx.settings,
            rules=_rules(info),
        )
        found = await OrderType.resolve_nodes(info=info, node_ids=[str(rating.order_id)])
        return RateOrderSuccess(rating=RatingType.from_model(rating), order=next(iter(found)))

    @strawberry.mutation(
        description=(
            "Answer publicly a revealed rating about you (at most 1000 characters); one reply, "
            "never changed."
        ),
        extensions=[requires("ratings:write")],
    )
    @mutation_payload
    async def reply_to_rating(
        self, info: Info, rating_id: strawberry.ID, text: str
    ) -> ReplyToRatingPayload | None:
        ctx: Context = info.context
        rating = await service.reply_to_rating(
            ctx.session, ctx.actor, rating_id=rating_uuid(rating_id), text=text
        )
        return ReplyToRatingSuccess(rating=RatingType.from_model(rating))
