"""Public questions on listings: ask, answer (once, corrections for 15 minutes), hide."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from strawberry.relay import GlobalID

from auth_factories import bearer, create_member, create_member_with_token, partner_token
from c2c_api.authz import Actor, ActorKind
from c2c_api.db import Database
from c2c_api.kit.clock import clock, utcnow
from c2c_api.listings.models import Listing, ListingStatus
from c2c_api.questions.service import QuestionAlreadyAnswered, answer_question
from c2c_api.users.models import Member
from engagement_support import create_listing, gid, publish_through_service

ASK = (
    "mutation($id: ID!, $body: String!) { askQuestion(listingId: $id, body: $body) { "
    "__typename ... on AskQuestionSuccess { question { id body answer asker { displayName } } } "
    "... on UserError { code fields } } }"
)
ANSWER = (
    "mutation($id: ID!, $answer: String!) { answerQuestion(questionId: $id, answer: $answer) { "
    "__typename ... on AnswerQuestionSuccess { question { answer answeredAt } } "
    "... on UserError { code fields } } }"
)
HIDE = (
    "mutation($id: ID!) { hideQuestion(questionId: $id) { __typename ... on UserError { code } } }"
)
LIST = (
    "query($id: ID!, $after: String) { node(id: $id) { ... on Listing { "
    "questions(first: 2, after: $after) { edges { node { body answer asker { id } } } "
    "pageInfo { hasNextPage endCursor } } } } }"
)


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers=bearer(token) if token else {},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]


class Scene:
    def __init__(self, listing: Listing, seller: str, asker: str, seller_member: Member) -> None:
        self.listing = listing
        self.seller_member = seller_member
        self.seller = seller
        self.asker = asker


@pytest.fixture
async def scene(db: Database) -> Scene:
    seller, seller_token = await create_member_with_token(db, scopes=["listings:write"])
    listing = await publish_through_service(db, seller)
    _, asker_token = await create_member_with_token(db, scopes=["messages:write"])
    return Scene(listing, seller_token, asker_token, seller)


async def ask(
    client: httpx.AsyncClient, scene: Scene, body: str = "Is it still available?"
) -> dict[str, Any]:
    return (await gql(client, ASK, {"id": gid(scene.listing), "body": body}, scene.asker))[
        "askQuestion"
    ]


class TestAskQuestion:
    async def test_a_member_asks_and_everyone_sees_it(
        self, scene: Scene, client: httpx.AsyncClient
    ) -> None:
        asked = await ask(client, scene)
        assert asked["__typename"] == "AskQuestionSuccess"
        assert asked["question"]["answer"] is None
        listed = (await gql(client, LIST, {"id": gid(scene.listing)}))["node"]["questions"]
        assert [e["node"]["body"] for e in listed["edges"]] == ["Is it still available?"]

    async def test_the_seller_cannot_ask_on_their_own_listing(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seller, token = await create_member_with_token(db, scopes=["messages:write"])
        listing = await create_listing(db, seller)
        data = await gql(client, ASK, {"id": gid(listing), "body": "Hello there"}, token)
        assert data["askQuestion"]["code"] == "QUESTION_ON_OWN_LISTING"

    @pytest.mark.parametrize(
        ("status", "code"),
        [
            (ListingStatus.SOLD, "LISTING_NOT_OPEN_FOR_QUESTIONS"),
            (ListingStatus.DRAFT, "NOT_FOUND"),
        ],
    )
    async def test_only_published_listings_take_questions(
        self, db: Database, client: httpx.AsyncClient, status: ListingStatus, code: str
    ) -> None:
        seller = await create_member(db)
        listing = await create_listing(db, seller, status=status)
        _, token = await create_member_with_token(db, scopes=["messages:write"])
        data = await gql(client, ASK, {"id": gid(listing), "body": "Hello there"}, token)
        assert data["askQuestion"]["code"] == code

    @pytest.mark.parametrize("body", ["", "  a ", "x" * 1001, "bad\x00byte"])
    async def test_refuses_bodies_out_of_bounds(
        self, scene: Scene, client: httpx.AsyncClient, body: str
    ) -> None:
        asked = await ask(client, scene, body)
        assert asked["code"] == "INVALID_INPUT"
        assert asked["fields"] == ["body"]


class TestAnswerQuestion:
    async def test_the_seller_answers_and_may_correct_for_15_minutes(
        self, scene: Scene, client: httpx.AsyncClient, db: Database
    ) -> None:
        clock.freeze(utcnow())
        qid = (await ask(client, scene))["question"]["id"]
        first = await gql(client, ANSWER, {"id": qid, "answer": "Yes"}, scene.seller)
        assert first["answerQuestion"]["question"]["answer"] == "Yes"
        answered_at = first["answerQuestion"]["question"]["answeredAt"]
        clock.advance(timedelta(minutes=14))
        fixed = await gql(client, ANSWER, {"id": qid, "answer": "Yes, until Sunday"}, scene.seller)
        assert fixed["answerQuestion"]["question"] == {
            "answer": "Yes, until Sunday",
            "answeredAt": answered_at,
        }
        clock.advance(timedelta(minutes=2))
        # (the access token would have expired by now: ask the service directly)
        seller = Actor(
            kind=ActorKind.MEMBER,
            member_id=scene.seller_member.id,
            scopes=frozenset({"listings:write"}),
        )
        with pytest.raises(QuestionAlreadyAnswered):
            async with db.transaction() as session:
                await answer_question(
                    session,
                    seller,
                    question_id=uuid.UUID(GlobalID.from_id(qid).node_id),
                    answer="No",
                )
        listed = (await gql(client, LIST, {"id": gid(scene.listing)}))["node"]["questions"]
        assert listed["edges"][0]["node"]["answer"] == "Yes, until Sunday"

    async def test_only_the_seller_answers(
        self, scene: Scene, client: httpx.AsyncClient, db: Database
    ) -> None:
        qid = (await ask(client, scene))["question"]["id"]
        _, other = await create_member_with_token(db, scopes=["listings:write"])
        data = await gql(client, ANSWER, {"id": qid, "answer": "Yes"}, other)
        assert data["answerQuestion"]["code"] == "FORBIDDEN"


class TestHideQuestion:
    async def test_the_seller_hides_a_question_from_the_public_list(
        self, scene: Scene, client: httpx.AsyncClient
    ) -> None:
        qid = (await ask(client, scene, "Spam spam spam"))["question"]["id"]
        await ask(client, scene, "A real question")
        for _ in range(2):  # idempotent
            data = await gql(client, HIDE, {"id": qid}, scene.seller)
            assert data["hideQuestion"]["__typename"] == "HideQuestionSuccess"
        listed = (await gql(client, LIST, {"id": gid(scene.listing)}))["node"]["questions"]
        assert [e["node"]["body"] for e in listed["edges"]] == ["A real question"]
        answer = await gql(client, ANSWER, {"id": qid, "answer": "x"}, scene.seller)
        assert answer["answerQuestion"]["code"] == "QUESTION_NOT_FOUND"

    async def test_a_moderator_hides_but_another_member_cannot(
        self, scene: Scene, client: httpx.AsyncClient, db: Database
    ) -> None:
        qid = (await ask(client, scene))["question"]["id"]
        _, stranger = await create_member_with_token(db, scopes=["listings:write"])
        denied = await gql(client, HIDE, {"id": qid}, stranger)
        assert denied["hideQuestion"]["code"] == "FORBIDDEN"
        _, moderator = await create_member_with_token(
            db, scopes=["admin:moderation"], operator=True
        )
        done = await gql(client, HIDE, {"id": qid}, moderator)
        assert done["hideQuestion"]["__typename"] == "HideQuestionSuccess"


class TestStorefrontModeratorHidesQuestions:
    """A partner with partner:catalog moderates its own storefront's questions, no one else's."""

    async def test_hides_on_its_storefront_only(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        shop, shop_token = await partner_token(db, scopes=["partner:catalog"])
        _, other_shop_token = await partner_token(db, scopes=["partner:catalog"])
        seller, seller_token = await create_member_with_token(
            db, scopes=["listings:write"], partner=shop
        )
        listing = await publish_through_service(db, seller)
        assert listing.partner_id == shop.id
        _, asker = await create_member_with_token(db, scopes=["messages:write"])
        scene = Scene(listing, seller_token, asker, seller)
        qid = (await ask(client, scene, "Spam from a shop visitor"))["question"]["id"]

        denied = await gql(client, HIDE, {"id": qid}, other_shop_token)
        assert denied["hideQuestion"]["code"] == "FORBIDDEN"
        listed = (await gql(client, LIST, {"id": gid(listing)}))["node"]["questions"]
        assert len(listed["edges"]) == 1

        for _ in range(2):  # idempotent
            done = await gql(client, HIDE, {"id": qid}, shop_token)
            assert done["hideQuestion"]["__typename"] == "HideQuestionSuccess"
        listed = (await gql(client, LIST, {"id": gid(listing)}))["node"]["questions"]
        assert listed["edges"] == []

    async def test_refuses_marketplace_sellers_questions(
        self, scene: Scene, client: httpx.AsyncClient, db: Database
    ) -> None:
        # The seller joined through no storefront: no partner moderates the listing.
        _, shop_token = await partner_token(db, scopes=["partner:catalog"])
        qid = (await ask(client, scene))["question"]["id"]
        denied = await gql(client, HIDE, {"id": qid}, shop_token)
        assert denied["hideQuestion"]["code"] == "FORBIDDEN"

    async def test_needs_partner_catalog(self, client: httpx.AsyncClient, db: Database) -> None:
        shop, shop_token = await partner_token(db, scopes=["partner:read"])
        seller, seller_token = await create_member_with_token(
            db, scopes=["listings:write"], partner=shop
        )
        listing = await publish_through_service(db, seller)
        _, asker = await create_member_with_token(db, scopes=["messages:write"])
        qid = (await ask(client, Scene(listing, seller_token, asker, seller)))["question"]["id"]
        response = await client.post(
            "/graphql", json={"query": HIDE, "variables": {"id": qid}}, headers=bearer(shop_token)
        )
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "INSUFFICIENT_SCOPE"


class TestQuestionList:
    async def test_pages_newest_first(self, scene: Scene, client: httpx.AsyncClient) -> None:
        clock.freeze(utcnow())
        for body in ("First one", "Second one", "Third one"):
            await ask(client, scene, body)
            clock.advance(timedelta(seconds=1))
        page = (await gql(client, LIST, {"id": gid(scene.listing)}))["node"]["questions"]
        assert [e["node"]["body"] for e in page["edges"]] == ["Third one", "Second one"]
        assert page["pageInfo"]["hasNextPage"] is True
        after = page["pageInfo"]["endCursor"]
        rest = (await gql(client, LIST, {"id": gid(scene.listing), "after": after}))["node"]
        assert [e["node"]["body"] for e in rest["questions"]["edges"]] == ["First one"]
        assert rest["questions"]["pageInfo"]["hasNextPage"] is False
