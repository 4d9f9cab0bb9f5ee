"""Matrix entries of conversations: threads, messages, unread counts, blocks.

The documents name nothing that exists (nil UUIDs): an admitted caller meets a domain error
(NOT_FOUND, THREAD_NOT_FOUND, MEMBER_NOT_FOUND…) or an empty page, never an internal error.
"""

from __future__ import annotations

from strawberry import relay

from authz_matrix.entry import Entry

_NIL = "00000000-0000-0000-0000-000000000000"
_NIL_SALE = relay.to_base64("SaleListing", _NIL)
_NIL_THREAD = relay.to_base64("Thread", _NIL)
_NIL_MEMBER = relay.to_base64("Member", _NIL)

MESSAGES = [["messages:write"]]

ENTRIES: dict[str, Entry] = {
    # ---- queries
    "Query.myThreads": Entry(
        MESSAGES, "{ myThreads(first: 5) { edges { node { id unreadCount } } } }"
    ),
    "Query.myUnreadMessageCount": Entry(MESSAGES, "{ myUnreadMessageCount }"),
    "Query.myBlockedMembers": Entry(
        MESSAGES, "{ myBlockedMembers(first: 5) { edges { node { id } } } }"
    ),
    # ---- mutations
    "Mutation.sendMessage": Entry(
        MESSAGES,
        f'mutation {{ sendMessage(listingId: "{_NIL_SALE}", text: "hello") {{ __typename }} }}',
    ),
    "Mutation.markThreadRead": Entry(
        MESSAGES, f'mutation {{ markThreadRead(threadId: "{_NIL_THREAD}") {{ __typename }} }}'
    ),
    "Mutation.blockMember": Entry(
        MESSAGES, f'mutation {{ blockMember(memberId: "{_NIL_MEMBER}") {{ __typename }} }}'
    ),
    "Mutation.unblockMember": Entry(
        MESSAGES, f'mutation {{ unblockMember(memberId: "{_NIL_MEMBER}") {{ __typename }} }}'
    ),
    # ---- subscriptions (run in-process by the matrix: see subscriptions.py)
    "Subscription.messageReceived": Entry(
        MESSAGES, "subscription { messageReceived { id kind text } }"
    ),
    "Subscription.threadUpdated": Entry(
        MESSAGES, "subscription { threadUpdated { id unreadCount } }"
    ),
}
