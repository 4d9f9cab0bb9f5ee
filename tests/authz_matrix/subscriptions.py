"""Matrix entries of subscriptions (run through the schema in-process: they are not served
over HTTP; tests/subscriptions/ runs them over WebSocket)."""

from __future__ import annotations

from strawberry import relay

from authz_matrix.entry import PUBLIC, Entry

_NIL_SALE = relay.to_base64("SaleListing", "00000000-0000-0000-0000-000000000000")

ENTRIES: dict[str, Entry] = {
    "Subscription.listingChanged": Entry(
        PUBLIC, f'subscription {{ listingChanged(id: "{_NIL_SALE}") {{ status }} }}'
    ),
    "Subscription.savedSearchMatched": Entry(
        [["account:read"]], "subscription { savedSearchMatched { listingId } }"
    ),
}
