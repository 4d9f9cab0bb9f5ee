"""The declared processes of orders (docs/processes.md is printed from them).

SALE v1 serves fixed-price sales, accepted offers and accepted WANTED answers (the answerer is
the seller). Delays are the defaults of ../shared/DEALS.md, section 2.
"""

from __future__ import annotations

from datetime import timedelta

from c2c_api.processes.declarations import (
    CancelTimer,
    Do,
    InputField,
    InputKind,
    Process,
    Role,
    SetTimer,
    State,
    Transition,
)
from c2c_api.processes.engine import Engine

B, S, OP, SYS = Role.BUYER, Role.SELLER, Role.OPERATOR, Role.SYSTEM

# Timer actions (also the outbox topics the worker routes to orders.service.fire_order_timer).
PAYMENT_DEADLINE = "order.payment_deadline"
PAYMENT_CONFIRMATION_DEADLINE = "order.payment_confirmation_deadline"
HANDOVER_DEADLINE = "order.handover_deadline"
ASSUME_DELIVERED = "order.assume_delivered"
PROTECTION_WINDOW_END = "order.protection_window_end"
MEETUP_DEADLINE = "order.meetup_deadline"

# Effects (functions registered in orders/effects.py).
CAPTURE_ESCROW = "capture_escrow"
RELEASE_ESCROW = "release_escrow"
REFUND_ESCROW = "refund_escrow"
RELEASE_STOCK = "release_stock"
SELL_STOCK = "sell_stock"
RECORD_SHIPMENT = "record_shipment"
RECORD_MEETUP = "record_meetup"
RECORD_DELIVERY = "record_delivery"
RECORD_PROBLEM = "record_problem"
MAX_HANDOVER_ATTEMPTS = 5  # wrong handover codes before HANDOVER_CODE_LOCKED
# Guards
HANDOVER_CODE_MATCHES = "handover_code_matches"
MEETUP_IN_FUTURE = "meetup_in_future"

_CANCELLED_UNPAID = (Do(RELEASE_STOCK),)
_REFUNDED = (Do(REFUND_ESCROW), Do(RELEASE_STOCK))
_COMPLETED = (Do(RELEASE_ESCROW), Do(SELL_STOCK))

SALE_V1 = Process(
    kind="SALE",
    version=1,
    description=(
        "A fixed-price sale, an accepted offer, or an accepted answer to a WANTED listing. "
        "Stock is reserved when the order is created; the buyer pays within 30 minutes "
        "(escrow held); the seller ships or agrees a meet-up within 5 days; delivery opens a "
        "2-day protection window; completion releases the escrow to the seller less fees."
    ),
    initial="AWAITING_PAYMENT",
    states=(
        State("AWAITING_PAYMENT", "Awaiting payment", "En attente de paiement"),
        State("PAYMENT_PENDING", "Payment being confirmed", "Paiement en cours de confirmation"),
        State("PAID", "Paid, to hand over", "Payée, à remettre"),
        State("SHIPPED", "Shipped", "Expédiée"),
        State("MEETUP_ARRANGED", "Meet-up arranged", "Rencontre convenue"),
        State("DELIVERED", "Delivered", "Livrée"),
        State("DISPUTED", "Problem reported", "Problème signalé"),
        State("COMPLETED", "Completed", "Terminée", terminal=True),
        State("CANCELLED", "Cancelled before payment", "Annulée avant paiement", terminal=True),
        State("REFUNDED", "Cancelled and refunded", "Annulée et remboursée", terminal=True),
    ),
    transitions=(
        # payment
        Transition(
            "payment_pending",
            ("AWAITING_PAYMENT",),
            "PAYMENT_PENDING",
            frozenset({SYS}),
            "Payment being confirmed",
            "Paiement en cours de confirmation",
            description="The provider will confirm the payment later (a webhook).",
            effects=(CancelTimer(PAYMENT_DEADLINE), SetTimer(PAYMENT_CONFIRMATION_DEADLINE)),
        ),
        Transition(
            "payment_succeeded",
            ("AWAITING_PAYMENT", "PAYMENT_PENDING"),
            "PAID",
            frozenset({SYS}),
            "Payment received",
            "Paiement reçu",
            description="The buyer's money is held in the order's escrow.",
            effects=(
                Do(CAPTURE_ESCROW),
                CancelTimer(PAYMENT_DEADLINE),
                CancelTimer(PAYMENT_CONFIRMATION_DEADLINE),
                SetTimer(HANDOVER_DEADLINE),
            ),
        ),
        Transition(
            "payment_failed",
            ("PAYMENT_PENDING",),
            "AWAITING_PAYMENT",
            frozenset({SYS}),
            "Payment failed",
            "Paiement refusé",
            description="The provider refused the payment later; the buyer may pay again.",
            effects=(CancelTimer(PAYMENT_CONFIRMATION_DEADLINE), SetTimer(PAYMENT_DEADLINE)),
        ),
        Transition(
            "payment_deadline_passed",
            ("AWAITING_PAYMENT",),
            "CANCELLED",
            frozenset({SYS}),
            "Not paid in time",
            "Non payée à temps",
            effects=_CANCELLED_UNPAID,
            timer=PAYMENT_DEADLINE,
        ),
        Transition(
            "payment_confirmation_expired",
            ("PAYMENT_PENDING",),
            "CANCELLED",
            frozenset({SYS}),
            "Payment never confirmed",
            "Paiement jamais confirmé",
            effects=_CANCELLED_UNPAID,
            timer=PAYMENT_CONFIRMATION_DEADLINE,
        ),
        Transition(
            "cancel",
            ("AWAITING_PAYMENT",),
            "CANCELLED",
            frozenset({B, S, OP}),
            "Cancel the order",
            "Annuler la commande",
            effects=(*_CANCELLED_UNPAID, CancelTimer(PAYMENT_DEADLINE)),
        ),
        # handover
        Transition(
            "ship",
            ("PAID",),
            "SHIPPED",
            frozenset({S}),
            "Mark as shipped",
            "Marquer comme expédiée",
            inputs=(
                InputField("carrier", InputKind.TEXT, "Carrier", "Transporteur", max_length=100),
                InputField(
                    "trackingNumber",
                    InputKind.TEXT,
                    "Tracking number",
                    "Numéro de suivi",
                    max_length=100,
                ),
            ),
            effects=(
                Do(RECORD_SHIPMENT),
                CancelTimer(HANDOVER_DEADLINE),
                SetTimer(ASSUME_DELIVERED),
            ),
        ),
        Transition(
            "arrange_meetup",
            ("PAID",),
            "MEETUP_ARRANGED",
            frozenset({S}),
            "Arrange the meet-up",
            "Convenir de la rencontre",
            inputs=(
                InputField("meetupPlace", InputKind.TEXT, "Place", "Lieu", max_length=200),
                InputField("meetupAt", InputKind.DATETIME, "Date and time", "Date et heure"),
            ),
            guards=(MEETUP_IN_FUTURE,),
            effects=(
                Do(RECORD_MEETUP),
                CancelTimer(HANDOVER_DEADLINE),
                SetTimer(MEETUP_DEADLINE),
            ),
        ),
        Transition(
            "handover_deadline_passed",
            ("PAID",),
            "REFUNDED",
            frozenset({SYS}),
            "Not handed over in time",
            "Non remise à temps",
            effects=_REFUNDED,
            timer=HANDOVER_DEADLINE,
        ),
        Transition(
            "cancel_and_refund",
            ("PAID",),
            "REFUNDED",
            frozenset({S, OP}),
            "Cancel and refund the buyer",
            "Annuler et rembourser l'acheteur",
            effects=(*_REFUNDED, CancelTimer(HANDOVER_DEADLINE)),
        ),
        Transition(
            "confirm_receipt",
            ("SHIPPED",),
            "DELIVERED",
            frozenset({B}),
            "I received it",
            "Je l'ai reçue",
            description="Opens the protection window in which the buyer may report a problem.",
            effects=(
                Do(RECORD_DELIVERY),
                CancelTimer(ASSUME_DELIVERED),
                SetTimer(PROTECTION_WINDOW_END),
            ),
        ),
        Transition(
            "assume_delivered",
            ("SHIPPED",),
            "DELIVERED",
            frozenset({SYS}),
            "Assumed delivered",
            "Livraison présumée",
            effects=(Do(RECORD_DELIVERY), SetTimer(PROTECTION_WINDOW_END)),
            timer=ASSUME_DELIVERED,
        ),
        Transition(
            "accept_item",
            ("SHIPPED", "DELIVERED"),
            "COMPLETED",
            frozenset({B}),
            "Everything is OK",
            "Tout est OK",
            description="Completes the order: the escrow goes to the seller less fees.",
            effects=(
                *_COMPLETED,
                CancelTimer(ASSUME_DELIVERED),
                CancelTimer(PROTECTION_WINDOW_END),
            ),
        ),
        Transition(
            "protection_window_ended",
            ("DELIVERED",),
            "COMPLETED",
            frozenset({SYS}),
            "Protection window ended",
            "Fin de la période de protection",
            effects=_COMPLETED,
            timer=PROTECTION_WINDOW_END,
        ),
        Transition(
            "confirm_handover",
            ("MEETUP_ARRANGED",),
            "COMPLETED",
            frozenset({S}),
            "Enter the buyer's handover code",
            "Saisir le code de remise de l'acheteur",
            inputs=(
                InputField(
                    "handoverCode", InputKind.CODE, "Handover code", "Code de remise", max_length=12
                ),
            ),
            guards=(HANDOVER_CODE_MATCHES,),
            effects=(*_COMPLETED, CancelTimer(MEETUP_DEADLINE)),
        ),
        Transition(
            "meetup_missed",
            ("MEETUP_ARRANGED",),
            "REFUNDED",
            frozenset({SYS}),
            "Meet-up did not happen",
            "La rencontre n'a pas eu lieu",
            effects=_REFUNDED,
            timer=MEETUP_DEADLINE,
        ),
        Transition(
            "cancel_meetup",
            ("MEETUP_ARRANGED",),
            "REFUNDED",
            frozenset({B, S, OP}),
            "Cancel the meet-up and refund",
            "Annuler la rencontre et rembourser",
            effects=(*_REFUNDED, CancelTimer(MEETUP_DEADLINE)),
        ),
        # problems (the full dispute process comes in a later issue)
        Transition(
            "report_problem",
            ("SHIPPED", "DELIVERED", "MEETUP_ARRANGED"),
            "DISPUTED",
            frozenset({B}),
            "Report a problem",
            "Signaler un problème",
            description="Holds the escrow until an operator decides.",
            inputs=(
                InputField(
                    "reason", InputKind.TEXT, "What is wrong", "Le problème", max_length=1000
                ),
            ),
            effects=(
                Do(RECORD_PROBLEM),
                CancelTimer(ASSUME_DELIVERED),
                CancelTimer(PROTECTION_WINDOW_END),
                CancelTimer(MEETUP_DEADLINE),
            ),
        ),
        Transition(
            "resolve_release",
            ("DISPUTED",),
            "COMPLETED",
            frozenset({OP}),
            "Release to the seller",
            "Verser au vendeur",
            effects=_COMPLETED,
        ),
        Transition(
            "resolve_refund",
            ("DISPUTED",),
            "REFUNDED",
            frozenset({OP}),
            "Refund the buyer",
            "Rembourser l'acheteur",
            effects=_REFUNDED,
        ),
    ),
    delays={
        PAYMENT_DEADLINE: timedelta(minutes=30),
        PAYMENT_CONFIRMATION_DEADLINE: timedelta(hours=24),
        HANDOVER_DEADLINE: timedelta(days=5),
        ASSUME_DELIVERED: timedelta(days=14),
        PROTECTION_WINDOW_END: timedelta(days=2),
        MEETUP_DEADLINE: timedelta(days=7),
    },
)

# The escrow an order's state implies (the ledger check's per-order invariant).
ESCROW_HELD_STATES = frozenset({"PAID", "SHIPPED", "MEETUP_ARRANGED", "DELIVERED", "DISPUTED"})

TIMER_ACTIONS = tuple(SALE_V1.delays)

ORDERS = Engine(subject_type="order")
ORDERS.declare(SALE_V1)
# Which process a listing kind's orders follow (WANTED answers become sales).
PROCESS_OF_KIND = {"SALE": "SALE", "WANTED": "SALE"}
