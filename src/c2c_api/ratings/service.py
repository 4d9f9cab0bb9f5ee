"""Ratings: double-blind, revealed together, then public and final (docs/ratings.md).

    rate_order(session, actor, *, order_id, score, comment, criteria, settings)
                                                 one side rates the other
    reply_to_rating(session, actor, *, rating_id, text)                the rated member's reply
    reveal_due_ratings(session, *, order_id, settings)                 the window's timer
    get_ratings / ratings_of_member / criteria_of / reputations / …    reads

Both sides of an order rate under the order's row lock, so two ratings arriving at once are
taken one after the other: the second finds the first and reveals both, in its transaction
(exactly one reveal). The first arms the reveal timer at the end of the window (the order's
completion + 14 days by default); the second cancels it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import Actor, RatingPolicy, require_member
from c2c_api.config import Settings
from c2c_api.errors import InvalidInput
from c2c_api.events.service import cancel_timer, record_event, schedule_timer
from c2c_api.kit.clock import utcnow
from c2c_api.kit.keyset import Page, Position, keyset_page
from c2c_api.kit.text import has_control_characters
from c2c_api.orders.errors import OrderNotFound
from c2c_api.orders.models import Order
from c2c_api.orders.service import locked_order
from c2c_api.ratings.errors import (
    AlreadyRated,
    AlreadyReplied,
    NotYoursToReply,
    OrderNotCompleted,
    RatingCriterionNotAllowed,
    RatingNotFound,
    RatingScoreInvalid,
    RatingWindowClosed,
)
from c2c_api.ratings.mail import mail_revealed
from c2c_api.ratings.models import (
    COMMENT_MAX,
    CRITERIA_OF,
    REPLY_MAX,
    Criterion,
    RatedRole,
    Rating,
    RatingCriterion,
)

REVEAL_ACTION = "rating.reveal"
REVEALED_TOPIC = "rating.revealed"
TIMER_SUBJECT = "order_ratings"
COMPLETED = "COMPLETED"
TREND_DAYS = 90
# Criteria are listed in their declaration order (the order of the enum).
CRITERION_ORDER = {c: i for i, c in enumerate(Criterion)}


@dataclass(frozen=True)
class RatingRules:
    """The window after completion and the reputation's prior (settings C2C_RATINGS_*)."""

    window: timedelta = timedelta(days=14)
    prior_mean: float = 4.5
    prior_weight: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> RatingRules:
        return cls(
            window=timedelta(days=settings.ratings_window_days),
            prior_mean=settings.ratings_prior_mean,
            prior_weight=settings.ratings_prior_weight,
        )


DEFAULT_RULES = RatingRules()


def window_end(order: Order, rules: RatingRules = DEFAULT_RULES) -> datetime | None:
    """When the order's rating window closes (None while the order is not completed)."""
    if order.state != COMPLETED or order.completed_at is None:
        return None
    return order.completed_at + rules.window


def _check_score(score: int, name: str) -> None:
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise RatingScoreInvalid(fields=[name])


def _clean(text: str | None, *, name: str, high: int, required: bool) -> str | None:
    """Trimmed text: no control characters but line breaks, at most `high` characters."""
    value = (text or "").strip()
    if has_control_characters(value, allow_line_breaks=True):
        raise InvalidInput("Remove the control characters.", fields=[name])
    if len(value) > high:
        raise InvalidInput(f"Use at most {high} characters.", fields=[name])
    if required and not value:
        raise InvalidInput("Write a reply.", fields=[name])
    return value or None


def _check_criteria(
    criteria: Mapping[Criterion, int] | Sequence[tuple[Criterion, int]], role: RatedRole
) -> dict[Criterion, int]:
    pairs = list(criteria.items()) if isinstance(criteria, Mapping) else list(criteria)
    allowed = CRITERIA_OF[role]
    checked: dict[Criterion, int] = {}
    for criterion, score in pairs:
        if criterion not in allowed or criterion in checked:
            raise RatingCriterionNotAllowed(
                fields=["criteria"], context={"allowed": [c.value for c in allowed]}
            )
        _check_score(score, f"criteria.{criterion.value}")
        checked[criterion] = score
    return checked


async def _ratings_of_order(session: AsyncSession, order_id: uuid.UUID) -> list[Rating]:
    rows = await session.exec(
        select(Rating)
        .where(col(Rating.order_id) == order_id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def rate_order(
    session: AsyncSession,
    actor: Actor,
    *,
    order_id: uuid.UUID,
    score: int,
    comment: str | None = None,
    criteria: Mapping[Criterion, int] | Sequence[tuple[Criterion, int]] = (),
    settings: Settings,
    rules: RatingRules = DEFAULT_RULES,
) -> Rating:
    """The caller rates the other member of a completed order, once, within the window."""
    member_id = require_member(actor)
    _check_score(score, "score")
    text = _clean(comment, name="comment", high=COMMENT_MAX, required=False)
    # One rater at a time per order: the second of two simultaneous ratings sees the first.
    order = await locked_order(session, order_id)
    role = RatingPolicy.rated_role(actor, order) if order is not None else None
    if order is None or role is None:
        raise OrderNotFound(fields=["orderId"])
    checked = _check_criteria(criteria, role)
    end = window_end(order, rules)
    if end is None:
        raise OrderNotCompleted(fields=["orderId"])
    existing = await _ratings_of_order(session, order.id)
    if any(r.rater_id == member_id for r in existing):
        raise AlreadyRated(fields=["orderId"])
    now = utcnow()
    if now >= end:
        raise RatingWindowClosed(fields=["orderId"], context={"closedAt": end.isoformat()})
    rating = Rating(
        order_id=order.id,
        rater_id=member_id,
        rated_id=order.seller_id if role == RatedRole.SELLER else order.buyer_id,
        rated_as=role,
        score=score,
        comment=text,
        created_at=now,
    )
    session.add(rating)
    await session.flush()
    for criterion, value in checked.items():
        session.add(RatingCriterion(rating_id=rating.id, criterion=criterion, score=value))
    if existing:
        await _reveal(session, settings, order, [*existing, rating], now, by=member_id)
        await cancel_timer(
            session, subject_type=TIMER_SUBJECT, subject_id=order.id, action=REVEAL_ACTION
        )
    else:
        await session.flush()
        await schedule_timer(
            session,
            subject_type=TIMER_SUBJECT,
            subject_id=order.id,
            action=REVEAL_ACTION,
            due_at=end,
        )
    return rating


async def _reveal(
    session: AsyncSession,
    settings: Settings,
    order: Order,
    ratings: Sequence[Rating],
    now: datetime,
    *,
    by: uuid.UUID | None = None,
) -> None:
    """Make the order's hidden ratings public, and tell both members (rating.revealed; the
    payload's `notify` is false for the member whose rating revealed them: they know). The
    members to notify get an e-mail (RATING_REVEALED), queued in this transaction."""
    hidden = [r for r in ratings if r.revealed_at is None]
    if not hidden:
        return
    for rating in hidden:
        rating.revealed_at = now
        session.add(rating)
    for member in (order.buyer_id, order.seller_id):
        await record_event(
            session,
            topic=REVEALED_TOPIC,
            payload={
                "orderId": str(order.id),
                "ratingIds": [str(r.id) for r in hidden],
                "recipientId": str(member),
                "notify": member != by,
            },
            member_id=member,
            partner_id=order.partner_id,
            flush=False,
        )
    await session.flush()
    await mail_revealed(
        session,
        settings,
        order=order,
        recipients=[m for m in (order.buyer_id, order.seller_id) if m != by],
    )


async def reveal_due_ratings(
    session: AsyncSession,
    *,
    order_id: uuid.UUID,
    settings: Settings,
    rules: RatingRules = DEFAULT_RULES,
) -> int:
    """The window's timer: reveal what is still hidden once the window has ended; the
    number of ratings revealed (none when both rated already)."""
    order = await locked_order(session, order_id)
    if order is None:
        return 0
    end = window_end(order, rules)
    if end is None:
        return 0
    now = utcnow()
    if now < end:  # the window was lengthened since the timer was armed
        await schedule_timer(
            session,
            subject_type=TIMER_SUBJECT,
            subject_id=order.id,
            action=REVEAL_ACTION,
            due_at=end,
        )
        return 0
    hidden = [r for r in await _ratings_of_order(session, order.id) if r.revealed_at is None]
    await _reveal(session, settings, order, hidden, now)
    return len(hidden)


async def reply_to_rating(
    session: AsyncSession, actor: Actor, *, rating_id: uuid.UUID, text: str
) -> Rating:
    """The member a revealed rating is about answers it publicly, once."""
    require_member(actor)
    reply = _clean(text, name="text", high=REPLY_MAX, required=True)
    rating = (
        await session.exec(
            select(Rating)
            .where(col(Rating.id) == rating_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).first()
    # A hidden rating does not exist for the member it is about.
    if rating is None or not RatingPolicy.can_see(actor, rating):
        raise RatingNotFound(fields=["ratingId"])
    if not RatingPolicy.can_reply(actor, rating) or rating.revealed_at is None:
        raise NotYoursToReply(fields=["ratingId"])
    if rating.reply is not None:
        raise AlreadyReplied(fields=["ratingId"])
    rating.reply = reply
    rating.replied_at = utcnow()
    session.add(rating)
    await session.flush()
    return rating


# Reads


async def get_ratings(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Rating]:
    """Ratings by id the caller may see (revealed ones; hidden ones to their rater)."""
    if not ids:
        return {}
    rows = await session.exec(
        select(Rating).where(col(Rating.id).in_(list(ids)), RatingPolicy.visible_clause(actor))
    )
    return {r.id: r for r in rows}


async def ratings_of_orders(
    session: AsyncSession, order_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Rating]]:
    """Every rating of several orders, hidden or not (one statement): for `rating_view`,
    which applies the policy."""
    grouped: dict[uuid.UUID, list[Rating]] = {i: [] for i in order_ids}
    if not order_ids:
        return grouped
    rows = await session.exec(select(Rating).where(col(Rating.order_id).in_(list(order_ids))))
    for rating in rows:
        grouped[rating.order_id].append(rating)
    return grouped


@dataclass(frozen=True)
class RatingView:
    """An order's ratings as one of its members may see them."""

    role: RatedRole  # the side of the member the viewer rates
    given: Rating | None  # the viewer's rating of the other member (seen by them at once)
    received: Rating | None  # the other's rating of the viewer: only once revealed
    other_has_rated: bool  # told, never the content, before the reveal
    deadline: datetime | None  # the end of the window (None: the order is not completed)
    revealed_at: datetime | None
    can_rate: bool


def rating_view(
    actor: Actor,
    order: Order,
    ratings: Sequence[Rating],
    *,
    rules: RatingRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> RatingView | None:
    """What a member of the order sees of its ratings (None for anyone else)."""
    role = RatingPolicy.rated_role(actor, order)
    if role is None:
        return None
    given = next((r for r in ratings if r.rater_id == actor.member_id), None)
    other = next((r for r in ratings if r.rater_id != actor.member_id), None)
    received = other if other is not None and RatingPolicy.can_see(actor, other) else None
    deadline = window_end(order, rules)
    moment = now or utcnow()
    return RatingView(
        role=role,
        given=given,
        received=received,
        other_has_rated=other is not None,
        deadline=deadline,
        revealed_at=next((r.revealed_at for r in ratings if r.revealed_at is not None), None),
        can_rate=given is None and deadline is not None and moment < deadline,
    )


async def ratings_of_member(
    session: AsyncSession,
    actor: Actor,
    *,
    member_id: uuid.UUID,
    role: RatedRole | None,
    limit: int,
    after: Position | None,
) -> Page[Rating]:
    """The revealed ratings about a member (as seller, as buyer, or both), newest revealed
    first: public."""
    conditions: list[sa.ColumnElement[bool]] = [
        col(Rating.rated_id) == member_id,
        col(Rating.revealed_at).is_not(None),
    ]
    if role is not None:
        conditions.append(col(Rating.rated_as) == role)
    items, has_next = await keyset_page(
        session,
        select(Rating).where(*conditions),
        created_at=col(Rating.revealed_at),
        ident=col(Rating.id),
        after=after,
        limit=limit,
    )
    return Page(items, has_next)


async def criteria_of(
    session: AsyncSession, rating_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[RatingCriterion]]:
    """The criteria of several ratings, in the enum's order (one statement)."""
    grouped: dict[uuid.UUID, list[RatingCriterion]] = {i: [] for i in rating_ids}
    if not rating_ids:
        return grouped
    rows = await session.exec(
        select(RatingCriterion).where(col(RatingCriterion.rating_id).in_(list(rating_ids)))
    )
    for row in rows:
        grouped[row.rating_id].append(row)
    for group in grouped.values():
        group.sort(key=lambda r: CRITERION_ORDER[Criterion(r.criterion)])
    return grouped


# Reputation: derived from revealed ratings only, never stored.


@dataclass
class Tally:
    """A count and a sum of scores."""

    count: int = 0
    total: int = 0

    def add(self, count: int, total: int) -> None:
        self.count += count
        self.total += total

    @property
    def average(self) -> float | None:
        return self.total / self.count if self.count else None


@dataclass
class Standing:
    """A member's reputation in one role (or overall): see docs/ratings.md, "Reputation"."""

    prior_mean: float
    prior_weight: int
    all: Tally = field(default_factory=Tally)
    recent: Tally = field(default_factory=Tally)  # revealed in the last 90 days
    criteria: dict[Criterion, Tally] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return self.all.count

    @property
    def bayesian_average(self) -> float:
        """(prior mean * prior weight + sum of scores) / (prior weight + count)."""
        weight = self.prior_weight + self.all.count
        if weight == 0:
            return self.prior_mean
        return (self.prior_mean * self.prior_weight + self.all.total) / weight

    @property
    def earlier(self) -> Tally:
        return Tally(self.all.count - self.recent.count, self.all.total - self.recent.total)

    @property
    def trend(self) -> float | None:
        """The last 90 days' average minus the average before them (None if either is empty)."""
        recent, earlier = self.recent.average, self.earlier.average
        if recent is None or earlier is None:
            return None
        return recent - earlier


@dataclass
class Reputation:
    """A member's standing overall, as seller and as buyer."""

    overall: Standing
    as_seller: Standing
    as_buyer: Standing

    def of(self, role: RatedRole | None) -> Standing:
        if role is None:
            return self.overall
        return self.as_seller if role == RatedRole.SELLER else self.as_buyer


def _empty(rules: RatingRules) -> Reputation:
    def standing() -> Standing:
        return Standing(rules.prior_mean, rules.prior_weight)

    return Reputation(standing(), standing(), standing())


async def reputations(
    session: AsyncSession,
    member_ids: Sequence[uuid.UUID],
    *,
    rules: RatingRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> dict[uuid.UUID, Reputation]:
    """The reputations of several members, from their revealed ratings (two statements)."""
    found = {i: _empty(rules) for i in member_ids}
    if not member_ids:
        return found
    since = (now or utcnow()) - timedelta(days=TREND_DAYS)
    revealed = col(Rating.revealed_at)
    recent = sa.case((revealed >= since, 1))
    ids = list(member_ids)
    rows = await session.exec(
        sa.select(  # type: ignore[call-overload]
            col(Rating.rated_id),
            col(Rating.rated_as),
            sa.func.count(),
            sa.func.sum(col(Rating.score)),
            sa.func.count(recent),
            sa.func.sum(recent * col(Rating.score)),
        )
        .where(col(Rating.rated_id).in_(ids), revealed.is_not(None))
        .group_by(col(Rating.rated_id), col(Rating.rated_as))
    )
    for rated_id, role, count, total, recent_count, recent_total in rows:
        reputation = found[rated_id]
        for standing in (reputation.overall, reputation.of(RatedRole(role))):
            standing.all.add(int(count), int(total or 0))
            standing.recent.add(int(recent_count), int(recent_total or 0))
    per_criterion = await session.exec(
        sa.select(  # type: ignore[call-overload]
            col(Rating.rated_id),
            col(Rating.rated_as),
            col(RatingCriterion.criterion),
            sa.func.count(),
            sa.func.sum(col(RatingCriterion.score)),
        )
        .join(Rating, col(Rating.id) == col(RatingCriterion.rating_id))
        .where(col(Rating.rated_id).in_(ids), revealed.is_not(None))
        .group_by(col(Rating.rated_id), col(Rating.rated_as), col(RatingCriterion.criterion))
    )
    for rated_id, role, criterion, count, total in per_criterion:
        reputation = found[rated_id]
        for standing in (reputation.overall, reputation.of(RatedRole(role))):
            standing.criteria.setdefault(Criterion(criterion), Tally()).add(
                int(count), int(total or 0)
            )
    return found
