"""Global ids name their type: an id of another type carrying a real row's UUID acts on nothing.

Each case gives a mutation the UUID of a real row of the expected kind, wrapped in a global id
of another type (e.g. Question:<listing uuid>): it is refused as INVALID_ID naming the argument
and nothing changes.
"""

from __future__ import annotations

import uuid

import httpx
from listings_support import UPDATE, gql, lifecycle, seed_categories
from sqlmodel import select
from strawberry.relay import GlobalID

from auth_factories import create_member_with_token
from c2c_api.db import Database
from c2c_api.favorites.models import Favorite
from c2c_api.listings.models import Listing, ListingStatus
from c2c_api.photos import RENDITION_SIZES
from c2c_api.photos.models import Photo
from c2c_api.questions.models import ListingQuestion
from engagement_support import publish_through_service


def as_type(type_name: str, ident: uuid.UUID) -> str:
    return str(GlobalID(type_name, str(ident)))


async def a_photo(db: Database, owner_id: uuid.UUID) -> uuid.UUID:
    async with db.transaction() as session:
        photo = Photo(
            owner_id=owner_id,
            width=1,
            height=1,
            byte_size=1,
            sha256="0" * 64,
            renditions={name: f"k/{name}" for name, _ in RENDITION_SIZES},
        )
        session.add(photo)
        await session.flush()
        return photo.id


ADD_FAVORITE = (
    "mutation($id: ID!) { addFavorite(listingId: $id) { __typename"
    " ... on UserError { code fields } } }"
)
ASK = (
    "mutation($id: ID!) { askQuestion(listingId: $id, body: 'Still available?') { __typename"
    " ... on AskQuestionSuccess { question { id } } ... on UserError { code fields } } }"
).replace("'", '"')
ANSWER = (
    "mutation($id: ID!) { answerQuestion(questionId: $id, answer: 'Yes') { __typename"
    " ... on UserError { code fields } } }"
).replace("'", '"')
HIDE = (
    "mutation($id: ID!) { hideQuestion(questionId: $id) { __typename"
    " ... on UserError { code fields } } }"
)


class TestIdsOfAnotherType:
    async def test_listing_mutations_refuse_other_types(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        seller, token = await create_member_with_token(db, scopes=["listings:write"])
        listing = await publish_through_service(db, seller)
        wrong = as_type("Question", listing.id)
        edit = (await gql(client, UPDATE, {"id": wrong, "v": 1, "i": {"title": "X"}}, token=token))[
            "updateListing"
        ]
        assert (edit["__typename"], edit["code"], edit["fields"]) == (
            "UserError",
            "INVALID_ID",
            ["id"],
        )
        paused = (await gql(client, lifecycle("pauseListing"), {"id": wrong}, token=token))[
            "pauseListing"
        ]
        assert paused["code"] == "INVALID_ID"
        async with db.transaction() as session:
            row = await session.get(Listing, listing.id)
            assert row is not None
            assert (row.status, row.title) == (ListingStatus.PUBLISHED, listing.title)
        # Any concrete listing type is a listing id (the type is checked, not the kind).
        right = as_type("AuctionListing", listing.id)
        paused = (await gql(client, lifecycle("pauseListing"), {"id": right}, token=token))[
            "pauseListing"
        ]
        assert paused["__typename"] == "ListingSuccess", paused

    async def test_photo_ids_of_another_type_are_invalid_ids(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        seller, token = await create_member_with_token(db, scopes=["listings:write"])
        listing = await publish_through_service(db, seller)
        photo_id = await a_photo(db, seller.id)
        lid = as_type("SaleListing", listing.id)
        variables = {
            "id": lid,
            "v": listing.version,
            "i": {"photoIds": [as_type("Member", photo_id)]},
        }
        edit = (await gql(client, UPDATE, variables, token=token))["updateListing"]
        assert (edit["code"], edit["fields"]) == ("INVALID_ID", ["photoIds.0"])
        async with db.transaction() as session:
            photo = await session.get(Photo, photo_id)
            assert photo is not None and photo.listing_id is None

    async def test_favorites_and_questions_refuse_other_types(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        seller, seller_token = await create_member_with_token(db, scopes=["listings:write"])
        listing = await publish_through_service(db, seller)
        _, token = await create_member_with_token(db, scopes=["account:write", "messages:write"])
        wrong_listing = as_type("Member", listing.id)
        added = (await gql(client, ADD_FAVORITE, {"id": wrong_listing}, token=token))["addFavorite"]
        assert (added["code"], added["fields"]) == ("INVALID_ID", ["listingId"])
        asked = (await gql(client, ASK, {"id": wrong_listing}, token=token))["askQuestion"]
        assert (asked["code"], asked["fields"]) == ("INVALID_ID", ["listingId"])

        asked = (await gql(client, ASK, {"id": as_type("SaleListing", listing.id)}, token=token))[
            "askQuestion"
        ]
        question_id = uuid.UUID(GlobalID.from_id(asked["question"]["id"]).node_id)
        wrong_question = as_type("SaleListing", question_id)
        answered = (await gql(client, ANSWER, {"id": wrong_question}, token=seller_token))[
            "answerQuestion"
        ]
        assert (answered["code"], answered["fields"]) == ("INVALID_ID", ["questionId"])
        hidden = (await gql(client, HIDE, {"id": wrong_question}, token=seller_token))[
            "hideQuestion"
        ]
        assert hidden["code"] == "INVALID_ID"
        async with db.transaction() as session:
            question = await session.get(ListingQuestion, question_id)
            assert question is not None
            assert (question.answer, question.hidden_at) == (None, None)
            favorites = (await session.exec(select(Favorite))).all()
            assert favorites == []
