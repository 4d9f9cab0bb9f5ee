"""Public questions on a listing, answered publicly by its seller (docs/engagement.md).

Rules:
- a member asks on a PUBLISHED listing they can see, not their own; 3 to 1000 characters;
- only the listing's seller answers, once; the answer may be corrected within
  `ANSWER_EDIT_WINDOW` (15 minutes) of the first answer, then it is final;
- the seller, operators (admin:moderation) and the partner of the listing's storefront
  (partner:catalog, its own storefront only) hide a question; hidden questions leave the
  public list for good (hiding is idempotent).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import Actor, ListingPolicy, require_member
from c2c_api.errors import ErrorCode, Forbidden, InvalidInput, InvalidState, NotFound
from c2c_api.kit.clock import utcnow
from c2c_api.kit.keyset import Position, after_position, check_page_size, newest_first, split_page
from c2c_api.listings.models import Listing
from c2c_api.listings.service import get_visible_listings
from c2c_api.questions.models import ListingQuestion

BODY_MIN, BODY_MAX = 3, 1000
ANSWER_MIN, ANSWER_MAX = 1, 2000
ANSWER_EDIT_WINDOW = timedelta(minutes=15)
Cursor = Position


class QuestionNotFound(NotFound):
    """This question does not exist."""

    code = ErrorCode.QUESTION_NOT_FOUND


class ListingNotFound(NotFound):
    """This listing does not exist."""


class QuestionOnOwnListing(Forbidden):
    """You cannot ask a question on your own listing."""

    code = ErrorCode.QUESTION_ON_OWN_LISTING


class ListingNotOpenForQuestions(InvalidState):
    """Questions can only be asked on a published listing."""

    code = ErrorCode.LISTING_NOT_OPEN_FOR_QUESTIONS


class QuestionAlreadyAnswered(InvalidState):
    """This question was already answered; answers can be corrected for 15 minutes only."""

    code = ErrorCode.QUESTION_ALREADY_ANSWERED


class NotTheSeller(Forbidden):
    """Only the seller of the listing can do this."""


def _clean_text(value: str, *, field: str, low: int, high: int) -> str:
    text = value.strip()
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise InvalidInput("Remove the control characters.", fields=[field])
    if len(text) < low:
        raise InvalidInput(f"Use at least {low} characters.", fields=[field])
    if len(text) > high:
        raise InvalidInput(f"Use at most {high} characters.", fields=[field])
    return text


def can_hide_question(actor: Actor, listing: Listing) -> bool:
    """The listing's seller, or whoever moderates the listing: an operator holding
    admin:moderation, or the partner of the listing's storefront holding partner:catalog."""
    return ListingPolicy.can_hide_question(actor, listing)


async def ask_question(
    session: AsyncSession, actor: Actor, *, listing_id: uuid.UUID, body: str
) -> ListingQuestion:
    """Ask the seller a public question about a published listing."""
    member_id = require_member(actor)
    text = _clean_text(body, field="body", low=BODY_MIN, high=BODY_MAX)
    listing = (await get_visible_listings(session, actor, [listing_id])).get(listing_id)
    if listing is None:
        raise ListingNotFound(fields=["listingId"])
    if ListingPolicy.is_owner(actor, listing):
        raise QuestionOnOwnListing(fields=["listingId"])
    if not ListingPolicy.is_live(listing):
        raise ListingNotOpenForQuestions(fields=["listingId"])
    question = ListingQuestion(
        listing_id=listing_id, asker_id=member_id, body=text, created_at=utcnow()
    )
    session.add(question)
    await session.flush()
    return question


async def _question_and_listing(
    session: AsyncSession, actor: Actor, question_id: uuid.UUID
) -> tuple[ListingQuestion, Listing]:
    question = await session.get(ListingQuestion, question_id)
    if question is None:
        raise QuestionNotFound(fields=["questionId"])
    listing = (await get_visible_listings(session, actor, [question.listing_id])).get(
        question.listing_id
    )
    if listing is None:
        raise QuestionNotFound(fields=["questionId"])
    return question, listing


async def answer_question(
    session: AsyncSession, actor: Actor, *, question_id: uuid.UUID, answer: str
) -> ListingQuestion:
    """The seller answers a question publicly (or corrects the answer within 15 minutes)."""
    require_member(actor)
    text = _clean_text(answer, field="answer", low=ANSWER_MIN, high=ANSWER_MAX)
    question, listing = await _question_and_listing(session, actor, question_id)
    if question.hidden_at is not None:
        raise QuestionNotFound(fields=["questionId"])
    if not ListingPolicy.can_answer_question(actor, listing):
        raise NotTheSeller(fields=["questionId"])
    now = utcnow()
    if question.answered_at is not None and now - question.answered_at > ANSWER_EDIT_WINDOW:
        raise QuestionAlreadyAnswered(fields=["questionId"])
    question.answer = text
    if question.answered_at is None:
        question.answered_at = now
    session.add(question)
    await session.flush()
    return question


async def hide_question(
    session: AsyncSession, actor: Actor, *, question_id: uuid.UUID
) -> ListingQuestion:
    """Hide a question from the public list (its seller, an operator, its storefront)."""
    question, listing = await _question_and_listing(session, actor, question_id)
    if not can_hide_question(actor, listing):
        raise Forbidden(fields=["questionId"])
    if question.hidden_at is None:
        question.hidden_at = utcnow()
        session.add(question)
        await session.flush()
    return question


async def get_visible_questions(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ListingQuestion]:
    """Questions by id that are not hidden and whose listing the caller sees."""
    if not ids:
        return {}
    rows = list(
        await session.exec(
            select(ListingQuestion).where(
                col(ListingQuestion.id).in_(list(ids)), col(ListingQuestion.hidden_at).is_(None)
            )
        )
    )
    listings = await get_visible_listings(session, actor, list({q.listing_id for q in rows}))
    return {q.id: q for q in rows if q.listing_id in listings}


@dataclass(frozen=True)
class QuestionPage:
    items: list[ListingQuestion]
    has_next: bool


async def questions_of_listings(
    session: AsyncSession,
    listing_ids: Sequence[uuid.UUID],
    *,
    limit: int,
    after: Cursor | None = None,
) -> dict[uuid.UUID, QuestionPage]:
    """The visible questions of several listings, newest first, `limit` per listing.

    One statement for all the listings (a window function numbers each listing's rows).
    """
    if not listing_ids:
        return {}
    check_page_size(limit)
    q = ListingQuestion
    conditions: list[sa.ColumnElement[bool]] = [
        col(q.listing_id).in_(list(listing_ids)),
        col(q.hidden_at).is_(None),
    ]
    if after is not None:
        conditions.append(after_position(col(q.created_at), col(q.id), after))
    order = newest_first(col(q.created_at), col(q.id))
    rank = sa.func.row_number().over(partition_by=col(q.listing_id), order_by=order).label("rank")
    numbered = select(col(q.id).label("qid"), rank).where(*conditions).subquery()
    query = (
        select(q)
        .join(numbered, col(q.id) == numbered.c.qid)
        .where(numbered.c.rank <= limit + 1)
        .order_by(col(q.listing_id), *order)
    )
    grouped: dict[uuid.UUID, list[ListingQuestion]] = {}
    for row in await session.exec(query):
        grouped.setdefault(row.listing_id, []).append(row)
    return {
        listing_id: QuestionPage(*split_page(rows, limit)) for listing_id, rows in grouped.items()
    }
