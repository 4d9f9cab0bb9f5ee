"""Matrix entries of ratings: rating an order, replying, the live reveal.

The documents name nothing that exists (nil UUIDs): an admitted caller meets ORDER_NOT_FOUND
or RATING_NOT_FOUND, never an internal error. Member.reputation and Member.ratings are fields
of the (public) Member type, not root fields.
"""

from __future__ import annotations

from strawberry import relay

from authz_matrix.entry import Entry

_NIL = "00000000-0000-0000-0000-000000000000"
_NIL_ORDER = relay.to_base64("Order", _NIL)
_NIL_RATING = relay.to_base64("Rating", _NIL)

RATINGS = [["ratings:write"]]

ENTRIES: dict[str, Entry] = {
    "Mutation.rateOrder": Entry(
        RATINGS,
        f'mutation {{ rateOrder(orderId: "{_NIL_ORDER}", score: 5, comment: "Great",'
        " criteria: [{criterion: COMMUNICATION, score: 5}]) { __typename"
        " ... on UserError { code } } }",
    ),
    "Mutation.replyToRating": Entry(
        RATINGS,
        f'mutation {{ replyToRating(ratingId: "{_NIL_RATING}", text: "Thanks") {{ __typename'
        " ... on UserError { code } } }",
    ),
    # run in-process by the matrix (see subscriptions.py); tests/ratings/ runs it live
    "Subscription.ratingRevealed": Entry(
        RATINGS, "subscription { ratingRevealed { id score revealedAt } }"
    ),
}
