"""GraphQL types and entry points of public questions on listings.

`listing_questions(info, listing_id, first, after)` resolves the Listing interface's
`questions` field: one statement for every listing of a page (a DataLoader per page size and
cursor, so the usual "first 3 questions of each listing" is a single statement).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from c2c_api.errors import NotFound
from c2c_api.graphql.errors import UserError, mutation_payload
from c2c_api.graphql.loaders import BatchFn, loader, parse_node_ids
from c2c_api.graphql.permissions import requires
from c2c_api.graphql.relay import decode_cursor, encode_cursor, global_id_uuid
from c2c_api.listings.ids import listing_uuid
from c2c_api.questions import service
from c2c_api.questions.models import ListingQuestion
from c2c_api.users.graphql import MemberType, member_loader

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context


@strawberry.type(
    name="Question",
    description="A public question on a listing, with the seller's public answer once given.",
)
class QuestionType(relay.Node):
    id: relay.NodeID[uuid.UUID]
    body: str
    answer: str | None = strawberry.field(description="The seller's answer; null until answered.")
    created_at: datetime
    answered_at: datetime | None
    _asker_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, q: ListingQuestion) -> QuestionType:
        return cls(
            id=q.id,
            body=q.body,
            answer=q.answer,
            created_at=q.created_at,
            answered_at=q.answered_at,
            _asker_id=q.asker_id,
        )

    @strawberry.field(description="Who asked (their public profile).")
    async def asker(self, info: Info) -> MemberType | None:
        member = await member_loader(info).load(self._asker_id)
        return MemberType.from_model(member) if member is not None else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> Iterable[QuestionType | None]:
        ctx: Context = info.context
        ids = parse_node_ids(node_ids)
        found = await service.get_visible_questions(
            ctx.session, ctx.actor, [i for i in ids if i is not None]
        )
        return [cls.from_model(found[i]) if i in found else None for i in ids]


QUESTIONS_SCOPE = "Listing.questions"
"""The keyset cursor scope of Listing.questions (c2c_api.kit.cursors)."""


def _page_batch(info: Info, first: int, after: str | None) -> BatchFn:
    cursor = decode_cursor(info, QUESTIONS_SCOPE, after)

    async def batch(
        ctx: Context, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, service.QuestionPage]:
        return await service.questions_of_listings(ctx.session, ids, limit=first, after=cursor)

    return batch


async def listing_questions(
    info: Info, listing_id: uuid.UUID, first: int = 10, after: str | None = None
) -> relay.Connection[QuestionType]:
    """A listing's visible questions, newest first (batched across a page of listings)."""
    batch = _page_batch(info, first, after)
    page: service.QuestionPage | None = await loader(
        info.context, f"listing_questions:{first}:{after or ''}", batch
    ).load(listing_id)
    items = page.items if page is not None else []
    edges = [
        relay.Edge(
            node=QuestionType.from_model(q),
            cursor=encode_cursor(info, QUESTIONS_SCOPE, q.created_at, q.id),
        )
        for q in items
    ]
    return relay.Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_next if page is not None else False,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


def question_uuid(global_id: str) -> uuid.UUID:
    """The UUID inside a Question's global id; INVALID_ID (on questionId) for anything else."""
    return global_id_uuid(global_id, "Question", field="questionId")


@strawberry.type(description="The question was published on the listing.")
class AskQuestionSuccess:
    question: QuestionType


AskQuestionPayload = Annotated[
    AskQuestionSuccess | UserError, strawberry.union("AskQuestionPayload")
]


@strawberry.type(description="The answer was published (or corrected).")
class AnswerQuestionSuccess:
    question: QuestionType


AnswerQuestionPayload = Annotated[
    AnswerQuestionSuccess | UserError, strawberry.union("AnswerQuestionPayload")
]


@strawberry.type(description="The question no longer appears on the listing.")
class HideQuestionSuccess:
    question_id: relay.GlobalID


HideQuestionPayload = Annotated[
    HideQuestionSuccess | UserError, strawberry.union("HideQuestionPayload")
]


@strawberry.type
class QuestionQuery:
    pass


@strawberry.type
class QuestionMutation:
    @strawberry.mutation(
        description=(
            "Ask the seller a public question about a published listing (3 to 1000 "
            "characters; not on your own listing)."
        ),
        extensions=[requires("messages:write")],
    )
    @mutation_payload
    async def ask_question(
        self, info: Info, listing_id: strawberry.ID, body: str
    ) -> AskQuestionPayload | None:
        ctx: Context = info.context
        question = await service.ask_question(
            ctx.session, ctx.actor, listing_id=listing_uuid(listing_id, "listingId"), body=body
        )
        return AskQuestionSuccess(question=QuestionType.from_model(question))

    @strawberry.mutation(
        description=(
            "Answer a question on your listing, publicly (1 to 2000 characters). An answer may "
            "be corrected within 15 minutes of the first one, then it is final."
        ),
        extensions=[requires("listings:write")],
    )
    @mutation_payload
    async def answer_question(
        self, info: Info, question_id: strawberry.ID, answer: str
    ) -> AnswerQuestionPayload | None:
        ctx: Context = info.context
        question = await service.answer_question(
            ctx.session, ctx.actor, question_id=question_uuid(question_id), answer=answer
        )
        return AnswerQuestionSuccess(question=QuestionType.from_model(question))

    @strawberry.mutation(
        description=(
            "Hide a question from the listing: its seller (listings:write), an operator "
            "(admin:moderation) or the partner of the listing's storefront (partner:catalog). "
            "Idempotent."
        ),
        extensions=[requires("listings:write", "admin:moderation", "partner:catalog")],
    )
    @mutation_payload
    async def hide_question(
        self, info: Info, question_id: strawberry.ID
    ) -> HideQuestionPayload | None:
        ctx: Context = info.context
        ident = question_uuid(question_id)
        await service.hide_question(ctx.session, ctx.actor, question_id=ident)
        return HideQuestionSuccess(question_id=relay.GlobalID("Question", str(ident)))


__all__ = ["NotFound", "QuestionType", "listing_questions"]
