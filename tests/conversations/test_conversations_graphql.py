"""Conversations over GraphQL (HTTP, the real app): sending, pages newest first, unread
counts and markers, node visibility, typed errors (rate limit with retryAfter), blocks, and the
cost of a page in SQL statements."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa
from strawberry.relay import to_base64

from auth_factories import bearer, create_member_with_token
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.users.models import Member
from deals_support import listing
from engagement_support import listing_gid

SCOPES = ["account:read", "listings:write", "offers:write", "orders:write", "messages:write"]

SEND = """mutation($listing: ID, $thread: ID, $text: String!, $dry: Boolean! = false) {
  sendMessage(listingId: $listing, threadId: $thread, text: $text, dryRun: $dry) {
    __typename
    ... on SendMessageSuccess { sent text warnings { flag reason excerpt }
      sentMessage { id seq kind text fromViewer sender { displayName } }
      thread { id unreadCount counterpart { displayName } listing { title } } }
    ... on MessageRateLimitedError { code message retryAfter }
    ... on UserError { code message fields }
  }
}"""
THREADS = """query($n: Int!, $after: String, $unread: Boolean! = false) {
  myUnreadMessageCount
  myThreads(first: $n, after: $after, unreadOnly: $unread) {
    edges { cursor node { id unreadCount viewerReadUpTo counterpartReadUpTo messageCount
      viewerIsOwner counterpart { id displayName } listing { id title }
      lastMessage { id seq text kind } orders { id state } offers { id status } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
MESSAGES = """query($id: ID!, $n: Int!, $after: String) {
  node(id: $id) { ... on Thread { messages(first: $n, after: $after) {
    edges { node { id seq kind text event data fromViewer createdAt sender { id displayName }
      warnings { flag reason excerpt } } }
    pageInfo { hasNextPage endCursor } } } }
}"""


async def gql(
    client: httpx.AsyncClient,
    token: str,
    query: str,
    headers: dict[str, str] | None = None,
    **variables: Any,
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={**bearer(token), **(headers or {})},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


async def people(db: Database) -> tuple[Member, str, Member, str]:
    seller, seller_token = await create_member_with_token(db, scopes=SCOPES)
    buyer, buyer_token = await create_member_with_token(db, scopes=SCOPES)
    return seller, seller_token, buyer, buyer_token


class TestConversation:
    async def test_two_members_converse(self, db: Database, client: httpx.AsyncClient) -> None:
        seller, seller_token, buyer, buyer_token = await people(db)
        item = await listing(db, seller)
        first = (await gql(client, buyer_token, SEND, listing=listing_gid(item), text="Hello?"))[
            "sendMessage"
        ]
        assert first["__typename"] == "SendMessageSuccess", first
        assert first["sentMessage"]["seq"] == 1 and first["sentMessage"]["fromViewer"] is True
        thread_id = first["thread"]["id"]
        assert first["thread"]["counterpart"]["displayName"] == seller.display_name
        seen = await gql(client, seller_token, THREADS, n=10)
        assert seen["myUnreadMessageCount"] == 1
        (edge,) = seen["myThreads"]["edges"]
        assert edge["node"]["id"] == thread_id
        assert edge["node"]["unreadCount"] == 1 and edge["node"]["viewerIsOwner"] is True
        assert edge["node"]["counterpart"]["displayName"] == buyer.display_name
        assert edge["node"]["lastMessage"]["text"] == "Hello?"
        answer = (await gql(client, seller_token, SEND, thread=thread_id, text="Yes!"))[
            "sendMessage"
        ]
        assert answer["sentMessage"]["seq"] == 2
        after = await gql(client, seller_token, THREADS, n=10)
        assert after["myUnreadMessageCount"] == 0  # answering read the thread
        buyer_view = await gql(client, buyer_token, THREADS, n=10)
        assert buyer_view["myUnreadMessageCount"] == 1
        assert buyer_view["myThreads"]["edges"][0]["node"]["counterpartReadUpTo"] == 2
        marked = await gql(
            client,
            buyer_token,
            "mutation($t: ID!) { markThreadRead(threadId: $t) { __typename"
            " ... on MarkThreadReadSuccess { thread { unreadCount viewerReadUpTo } } } }",
            t=thread_id,
        )
        assert marked["markThreadRead"]["thread"] == {"unreadCount": 0, "viewerReadUpTo": 2}
        page = await gql(client, buyer_token, MESSAGES, id=thread_id, n=1)
        messages = page["node"]["messages"]
        assert [e["node"]["text"] for e in messages["edges"]] == ["Yes!"]
        assert messages["pageInfo"]["hasNextPage"] is True
        rest = await gql(
            client,
            buyer_token,
            MESSAGES,
            id=thread_id,
            n=5,
            after=messages["pageInfo"]["endCursor"],
        )
        assert [e["node"]["text"] for e in rest["node"]["messages"]["edges"]] == ["Hello?"]

    async def test_warnings_in_both_languages_and_a_dry_run(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seller, seller_token, _, buyer_token = await people(db)
        item = await listing(db, seller)
        text = "Pay me on bob@example.org"
        dry = (
            await gql(client, buyer_token, SEND, listing=listing_gid(item), text=text, dry=True)
        )["sendMessage"]
        assert dry["sent"] is False and dry["sentMessage"] is None and dry["thread"] is None
        assert dry["warnings"][0]["flag"] == "EMAIL_ADDRESS"
        assert dry["warnings"][0]["excerpt"] == "b•••@example.org"  # masked but its edges
        sent = (
            await gql(
                client,
                buyer_token,
                SEND,
                headers={"Accept-Language": "fr"},
                listing=listing_gid(item),
                text=text,
            )
        )["sendMessage"]
        assert sent["sent"] is True
        assert sent["warnings"][0]["reason"].startswith("Ce message contient une adresse e-mail")
        page = await gql(client, seller_token, MESSAGES, id=sent["thread"]["id"], n=5)
        warning, off = page["node"]["messages"]["edges"][0]["node"]["warnings"]
        assert (warning["flag"], off["flag"]) == ("EMAIL_ADDRESS", "OFF_PLATFORM")
        assert warning["reason"].startswith("This message contains an e-mail address")

    async def test_bad_input_is_a_typed_error(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seller, seller_token, _, buyer_token = await people(db)
        item = await listing(db, seller)
        cases = [
            (buyer_token, {"listing": listing_gid(item), "text": "  "}, "MESSAGE_EMPTY"),
            (buyer_token, {"listing": listing_gid(item), "text": "x" * 4001}, "MESSAGE_TOO_LONG"),
            (
                buyer_token,
                {"listing": listing_gid(item), "text": "a\x00b"},
                "MESSAGE_CONTROL_CHARACTERS",
            ),
            (seller_token, {"listing": listing_gid(item), "text": "me"}, "MESSAGE_TO_SELF"),
            (buyer_token, {"listing": "nope", "text": "hi"}, "INVALID_ID"),
            (
                buyer_token,
                {"thread": to_base64("Thread", seller.id), "text": "hi"},
                "THREAD_NOT_FOUND",
            ),
            (buyer_token, {"text": "hi"}, "INVALID_INPUT"),
        ]
        for token, variables, code in cases:
            answer = (await gql(client, token, SEND, **variables))["sendMessage"]
            assert answer["__typename"] == "UserError" and answer["code"] == code, (code, answer)

    async def test_only_participants_see_a_thread_or_its_messages(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seller, _, _, buyer_token = await people(db)
        _, stranger_token = await create_member_with_token(db, scopes=SCOPES)
        _, no_scope_token = await create_member_with_token(db, scopes=["account:read"])
        item = await listing(db, seller)
        sent = (await gql(client, buyer_token, SEND, listing=listing_gid(item), text="hi"))[
            "sendMessage"
        ]
        query = "query($id: ID!) { node(id: $id) { id } }"
        for gid in (sent["thread"]["id"], sent["sentMessage"]["id"]):
            assert (await gql(client, buyer_token, query, id=gid))["node"] == {"id": gid}
            assert (await gql(client, stranger_token, query, id=gid))["node"] is None
            assert (await gql(client, no_scope_token, query, id=gid))["node"] is None

    async def test_the_rate_limit_answers_retry_after(
        self, db: Database, settings: Settings
    ) -> None:
        from c2c_api.app import create_app

        tight = settings.model_copy(update={"messages_per_minute": 2})
        app_db = Database(tight)
        app = create_app(tight, db=app_db)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
            seller, _, _, buyer_token = await people(db)
            item = await listing(db, seller)
            for text in ("one", "two"):
                ok = await gql(c, buyer_token, SEND, listing=listing_gid(item), text=text)
                assert ok["sendMessage"]["__typename"] == "SendMessageSuccess"
            refused = (await gql(c, buyer_token, SEND, listing=listing_gid(item), text="3"))[
                "sendMessage"
            ]
        await app_db.dispose()
        assert refused["__typename"] == "MessageRateLimitedError"
        assert refused["code"] == "RATE_LIMITED"
        assert 1 <= refused["retryAfter"] <= 60

    async def test_blocks(self, db: Database, client: httpx.AsyncClient) -> None:
        seller, seller_token, buyer, buyer_token = await people(db)
        item = await listing(db, seller)
        block = """mutation($m: ID!) { blockMember(memberId: $m) { __typename
          ... on BlockSuccess { blocked member { id } } ... on UserError { code } } }"""
        me = to_base64("Member", seller.id)
        assert (await gql(client, seller_token, block, m=me))["blockMember"]["code"] == (
            "BLOCK_OF_SELF"
        )
        done = await gql(client, seller_token, block, m=to_base64("Member", buyer.id))
        assert done["blockMember"]["blocked"] is True
        listed = await gql(
            client, seller_token, "{ myBlockedMembers(first: 5) { edges { node { id } } } }"
        )
        assert listed["myBlockedMembers"]["edges"] == [
            {"node": {"id": to_base64("Member", buyer.id)}}
        ]
        refused = (await gql(client, buyer_token, SEND, listing=listing_gid(item), text="hi"))[
            "sendMessage"
        ]
        assert refused["code"] == "MEMBER_UNAVAILABLE"
        assert refused["message"] == "This member cannot be contacted."


async def statements_of(
    db: Database, client: httpx.AsyncClient, token: str, query: str, **variables: Any
) -> tuple[int, dict[str, Any]]:
    seen: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        data = await gql(client, token, query, **variables)
    finally:
        sa.event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    return len(seen), data


class TestPageCost:
    async def test_a_page_of_threads_costs_the_same_whatever_its_size(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seller, seller_token = await create_member_with_token(db, scopes=SCOPES)
        for _ in range(12):
            _, token = await create_member_with_token(db, scopes=SCOPES)
            item = await listing(db, seller)
            await gql(client, token, SEND, listing=listing_gid(item), text="hello")
        small, data = await statements_of(db, client, seller_token, THREADS, n=2)
        assert len(data["myThreads"]["edges"]) == 2
        large, data = await statements_of(db, client, seller_token, THREADS, n=12)
        assert len(data["myThreads"]["edges"]) == 12
        assert small == large, (small, large)

    async def test_a_page_of_messages_costs_the_same_whatever_its_size(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seller, seller_token, _, buyer_token = await people(db)
        item = await listing(db, seller)
        sent = await gql(client, buyer_token, SEND, listing=listing_gid(item), text="m0")
        thread_id = sent["sendMessage"]["thread"]["id"]
        for i in range(1, 12):
            token = seller_token if i % 2 else buyer_token
            await gql(client, token, SEND, thread=thread_id, text=f"m{i} bob@example.org")
        small, data = await statements_of(db, client, seller_token, MESSAGES, id=thread_id, n=2)
        assert len(data["node"]["messages"]["edges"]) == 2
        large, data = await statements_of(db, client, seller_token, MESSAGES, id=thread_id, n=12)
        assert [e["node"]["text"] for e in data["node"]["messages"]["edges"]][-1] == "m0"
        assert small == large, (small, large)
