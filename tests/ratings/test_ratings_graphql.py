"""Ratings over HTTP GraphQL, as each side reads them before and after the reveal; typed
errors of rateOrder and replyToRating; a member's public reputation and ratings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from strawberry.relay import to_base64

from auth_factories import bearer, member_tokens
from c2c_api.db import Database
from c2c_api.kit.clock import clock
from c2c_api.users.models import Member
from ratings_support import Deal, completed_deal

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SCOPES = ["account:read", "orders:write", "ratings:write"]

ORDER = """query($id: ID!) { node(id: $id) { ... on Order { state
  myRating { id score comment revealedAt criteria { criterion score } }
  ratingOfMe { id score comment revealedAt reply }
  ratingStatus { canRate deadline ratesAs viewerHasRated otherHasRated revealedAt criteria }
} } }"""
RATE = """mutation($o: ID!, $s: Int!, $c: String, $k: [CriterionScoreInput!]) {
  rateOrder(orderId: $o, score: $s, comment: $c, criteria: $k) { __typename
    ... on RateOrderSuccess { rating { id score revealedAt ratedAs } order { id } }
    ... on UserError { code fields } } }"""
REPLY = """mutation($r: ID!, $t: String!) { replyToRating(ratingId: $r, text: $t) { __typename
  ... on ReplyToRatingSuccess { rating { id reply } } ... on UserError { code fields } } }"""
RATING = "query($id: ID!) { node(id: $id) { ... on Rating { id score comment } } }"
MEMBER = """query($id: ID!) { node(id: $id) { ... on Member { reputation { priorMean priorWeight
  overall { count average bayesianAverage last90Days { count average } trend }
  asSeller { count bayesianAverage criteria { criterion count average } }
  asBuyer { count bayesianAverage } }
  ratings(first: 5) { edges { node { score comment reply ratedAs rater { id } rated { id } } } }
} } }"""


class Caller:
    def __init__(self, client: httpx.AsyncClient, token: str | None) -> None:
        self.client, self.token = client, token

    async def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        headers = bearer(self.token) if self.token else {}
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data


async def caller(db: Database, client: httpx.AsyncClient, member: Member) -> Caller:
    tokens = await member_tokens(db, member=member, scopes=SCOPES)
    return Caller(client, tokens["access_token"])


@pytest.fixture
async def deal(db: Database) -> Deal:
    clock.freeze(T0)
    return await completed_deal(db)


class TestEachSideBeforeAndAfterTheReveal:
    async def test_the_journey(self, db: Database, client: httpx.AsyncClient, deal: Deal) -> None:
        buyer = await caller(db, client, deal.buyer)
        seller = await caller(db, client, deal.seller)
        order_id = to_base64("Order", deal.order.id)

        before = (await buyer(ORDER, id=order_id))["node"]
        assert before["myRating"] is None and before["ratingOfMe"] is None
        assert before["ratingStatus"] == {
            "canRate": True,
            "deadline": (T0 + timedelta(days=14)).isoformat(),
            "ratesAs": "SELLER",
            "viewerHasRated": False,
            "otherHasRated": False,
            "revealedAt": None,
            "criteria": ["ITEM_AS_DESCRIBED", "COMMUNICATION", "HANDOVER"],
        }

        rated = (
            await buyer(
                RATE,
                o=order_id,
                s=4,
                c="As described, slow post",
                k=[
                    {"criterion": "ITEM_AS_DESCRIBED", "score": 5},
                    {"criterion": "HANDOVER", "score": 3},
                ],
            )
        )["rateOrder"]
        assert rated["__typename"] == "RateOrderSuccess", rated
        assert rated["rating"]["revealedAt"] is None and rated["rating"]["ratedAs"] == "SELLER"
        rating_id = rated["rating"]["id"]

        # the buyer sees their own rating; the seller sees nothing of it but that it exists
        mine = (await buyer(ORDER, id=order_id))["node"]
        assert mine["myRating"]["score"] == 4
        assert mine["myRating"]["criteria"] == [
            {"criterion": "ITEM_AS_DESCRIBED", "score": 5},
            {"criterion": "HANDOVER", "score": 3},
        ]
        assert mine["ratingStatus"]["canRate"] is False
        theirs = (await seller(ORDER, id=order_id))["node"]
        assert theirs["ratingOfMe"] is None and theirs["myRating"] is None
        assert theirs["ratingStatus"]["otherHasRated"] is True
        assert theirs["ratingStatus"]["ratesAs"] == "BUYER"
        assert (await seller(RATING, id=rating_id))["node"] is None
        assert (await Caller(client, None)(RATING, id=rating_id))["node"] is None
        assert (await buyer(RATING, id=rating_id))["node"]["score"] == 4
        refused = (await seller(REPLY, r=rating_id, t="Hm"))["replyToRating"]
        assert refused["code"] == "RATING_NOT_FOUND"

        clock.freeze(T0 + timedelta(days=1))
        # access tokens live 15 minutes: new ones, a day later
        buyer = await caller(db, client, deal.buyer)
        seller = await caller(db, client, deal.seller)
        second = (
            await seller(RATE, o=order_id, s=5, k=[{"criterion": "PUNCTUALITY", "score": 5}])
        )["rateOrder"]
        assert second["rating"]["revealedAt"] == (T0 + timedelta(days=1)).isoformat()

        after_seller = (await seller(ORDER, id=order_id))["node"]
        assert after_seller["ratingOfMe"]["score"] == 4
        assert after_seller["ratingOfMe"]["comment"] == "As described, slow post"
        assert after_seller["ratingStatus"]["revealedAt"] == (T0 + timedelta(days=1)).isoformat()
        after_buyer = (await buyer(ORDER, id=order_id))["node"]
        assert after_buyer["ratingOfMe"]["score"] == 5
        assert after_buyer["myRating"]["revealedAt"] is not None
        assert (await Caller(client, None)(RATING, id=rating_id))["node"]["score"] == 4

        replied = (await seller(REPLY, r=rating_id, t="Sorry for the delay."))["replyToRating"]
        assert replied == {
            "__typename": "ReplyToRatingSuccess",
            "rating": {"id": rating_id, "reply": "Sorry for the delay."},
        }
        again = (await seller(REPLY, r=rating_id, t="Again"))["replyToRating"]
        assert again["code"] == "ALREADY_REPLIED"

        # anyone reads the seller's reputation and ratings
        public = (await Caller(client, None)(MEMBER, id=to_base64("Member", deal.seller.id)))[
            "node"
        ]
        reputation = public["reputation"]
        assert (reputation["priorMean"], reputation["priorWeight"]) == (4.5, 5)
        assert reputation["overall"]["count"] == 1
        assert reputation["overall"]["bayesianAverage"] == pytest.approx((4.5 * 5 + 4) / 6)
        assert reputation["asSeller"]["criteria"] == [
            {"criterion": "ITEM_AS_DESCRIBED", "count": 1, "average": 5.0},
            {"criterion": "HANDOVER", "count": 1, "average": 3.0},
        ]
        assert reputation["asBuyer"] == {"count": 0, "bayesianAverage": 4.5}
        assert public["ratings"]["edges"] == [
            {
                "node": {
                    "score": 4,
                    "comment": "As described, slow post",
                    "reply": "Sorry for the delay.",
                    "ratedAs": "SELLER",
                    "rater": {"id": to_base64("Member", deal.buyer.id)},
                    "rated": {"id": to_base64("Member", deal.seller.id)},
                }
            }
        ]


class TestTypedErrors:
    async def test_bad_input_is_a_user_error_never_a_graphql_error(
        self, db: Database, client: httpx.AsyncClient, deal: Deal
    ) -> None:
        buyer = await caller(db, client, deal.buyer)
        order_id = to_base64("Order", deal.order.id)
        cases: list[tuple[dict[str, Any], str, list[str]]] = [
            ({"s": 0}, "RATING_SCORE_INVALID", ["score"]),
            ({"s": 6}, "RATING_SCORE_INVALID", ["score"]),
            (
                {"s": 5, "k": [{"criterion": "HANDOVER", "score": 7}]},
                "RATING_SCORE_INVALID",
                ["criteria.HANDOVER"],
            ),
            (
                {"s": 5, "k": [{"criterion": "PUNCTUALITY", "score": 4}]},
                "RATING_CRITERION_NOT_ALLOWED",
                ["criteria"],
            ),
            ({"s": 5, "c": "x" * 1001}, "INVALID_INPUT", ["comment"]),
            ({"s": 5, "c": "a\u0007bell"}, "INVALID_INPUT", ["comment"]),
        ]
        for variables, code, fields in cases:
            answer = (await buyer(RATE, o=order_id, **variables))["rateOrder"]
            assert (answer["code"], answer["fields"]) == (code, fields), variables
        listing_id = to_base64("SaleListing", deal.order.listing_id)
        wrong = (await buyer(RATE, o=listing_id, s=5))["rateOrder"]
        assert (wrong["code"], wrong["fields"]) == ("INVALID_ID", ["orderId"])
        assert (await buyer(ORDER, id=order_id))["node"]["myRating"] is None
        ok = (await buyer(RATE, o=order_id, s=5))["rateOrder"]
        assert ok["__typename"] == "RateOrderSuccess"
        twice = (await buyer(RATE, o=order_id, s=1))["rateOrder"]
        assert twice["code"] == "ALREADY_RATED"
