"""Matrix entries of deals: orders, offers, the wallet (balances, entries, payouts).

The documents name nothing that exists (nil UUIDs): an admitted caller meets a domain error
(NOT_FOUND, INVALID_INPUT, NOT_A_MEMBER…) or an empty page, never an internal error.
"""

from __future__ import annotations

from strawberry import relay

from authz_matrix.entry import PUBLIC, Entry

_NIL = "00000000-0000-0000-0000-000000000000"
_NIL_SALE = relay.to_base64("SaleListing", _NIL)
_NIL_ORDER = relay.to_base64("Order", _NIL)
_NIL_OFFER = relay.to_base64("Offer", _NIL)

ORDERS = [["orders:write"]]
OFFERS = [["offers:write"]]

ENTRIES: dict[str, Entry] = {
    # ---- queries
    "Query.myOrders": Entry(
        ORDERS, "{ myOrders(role: BUYER, first: 5) { edges { node { id state } } } }"
    ),
    "Query.disputedOrders": Entry(
        [["admin:disputes"]], "{ disputedOrders(first: 5) { edges { node { id } } } }"
    ),
    "Query.myOffers": Entry(
        OFFERS, "{ myOffers(direction: RECEIVED, first: 5) { edges { node { id status } } } }"
    ),
    "Query.myBalances": Entry(ORDERS, "{ myBalances { currency available { amount } } }"),
    "Query.myLedgerEntries": Entry(
        ORDERS, "{ myLedgerEntries(first: 5) { edges { node { id kind } } } }"
    ),
    "Query.myPayouts": Entry(ORDERS, "{ myPayouts(first: 5) { edges { node { id status } } } }"),
    "Query.purchaseQuote": Entry(
        PUBLIC,
        f'{{ purchaseQuote(listingId: "{_NIL_SALE}", handover: SHIPPING)'
        " { total { amount } } }",
    ),
    # ---- mutations
    "Mutation.buyNow": Entry(
        ORDERS,
        f'mutation {{ buyNow(listingId: "{_NIL_SALE}", handover: SHIPPING,'
        ' idempotencyKey: "matrix-buy-now") { __typename } }',
    ),
    "Mutation.payOrder": Entry(
        ORDERS,
        f'mutation {{ payOrder(orderId: "{_NIL_ORDER}", paymentMethod: "pm_card_visa",'
        ' idempotencyKey: "matrix-pay-order") { __typename } }',
    ),
    "Mutation.takeOrderTransition": Entry(
        [["orders:write"], ["admin:disputes"]],
        f'mutation {{ takeOrderTransition(orderId: "{_NIL_ORDER}", transition: "ship",'
        ' idempotencyKey: "matrix-transition", input: {carrier: "La Poste",'
        ' trackingNumber: "1Z"}) { __typename } }',
    ),
    "Mutation.makeOffer": Entry(
        OFFERS,
        f'mutation {{ makeOffer(listingId: "{_NIL_SALE}", amount: 1000, currency: "EUR")'
        " { __typename } }",
    ),
    "Mutation.counterOffer": Entry(
        OFFERS,
        f'mutation {{ counterOffer(offerId: "{_NIL_OFFER}", amount: 1200) {{ __typename }} }}',
    ),
    "Mutation.acceptOffer": Entry(
        OFFERS,
        f'mutation {{ acceptOffer(offerId: "{_NIL_OFFER}", idempotencyKey: "matrix-accept")'
        " { __typename } }",
    ),
    "Mutation.declineOffer": Entry(
        OFFERS, f'mutation {{ declineOffer(offerId: "{_NIL_OFFER}") {{ __typename }} }}'
    ),
    "Mutation.withdrawOffer": Entry(
        OFFERS, f'mutation {{ withdrawOffer(offerId: "{_NIL_OFFER}") {{ __typename }} }}'
    ),
    "Mutation.setOfferRules": Entry(
        [["listings:write"]],
        f'mutation {{ setOfferRules(listingId: "{_NIL_SALE}", autoAcceptAmount: 9000)'
        " { __typename } }",
    ),
    "Mutation.requestPayout": Entry(
        ORDERS,
        'mutation { requestPayout(amount: 100, currency: "EUR", destination: "ba_matrix",'
        ' idempotencyKey: "matrix-payout") { __typename } }',
    ),
    # ---- subscriptions (run in-process by the matrix: see subscriptions.py)
    "Subscription.orderUpdated": Entry(ORDERS, "subscription { orderUpdated { id state } }"),
    "Subscription.offerReceived": Entry(OFFERS, "subscription { offerReceived { id } }"),
    "Subscription.offerUpdated": Entry(OFFERS, "subscription { offerUpdated { id status } }"),
}
