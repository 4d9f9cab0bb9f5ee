"""Offers: best offer -> counter-offer -> accept / decline / withdraw, each with an expiry
(../shared/DEALS.md section 2; docs/journey.md).

- SALE (listing `acceptsOffers`): a buyer offers at least 50 % of the price per unit, in the
  listing's currency, for a quantity the listing still has; 3 open offers per listing and 20
  in all; the seller's automatic thresholds (accept at or above, decline below) answer at once.
- WANTED: any member but the owner answers with a price (optionally one of their own
  published listings); the owner (the buyer) accepts one, and it proceeds as a sale with the
  answering member as seller.
- A counter-offer replaces the offer it answers (COUNTERED) and keeps the chain (`root_id`).
- Accepting creates the order in the same transaction: stock reserved, payment clock started.
- Every pending offer expires after 48 hours (a timer, fired by the worker).

Each use case locks the offer's row, so an accept racing a withdraw or a counter leaves one
outcome: the second finds the offer no longer PENDING (OFFER_NOT_PENDING).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import Actor, ActorKind, ListingPolicy, can_see_offer, require_member
from c2c_api.conversations import service as conversations
from c2c_api.errors import InvalidInput
from c2c_api.events.service import cancel_timer, record_event, schedule_timer
from c2c_api.kit.clock import utcnow
from c2c_api.kit.keyset import Page, Position, keyset_page
from c2c_api.kit.money import Money
from c2c_api.ledger.errors import AmountOutOfRange
from c2c_api.listings.models import Listing, ListingStatus
from c2c_api.listings.service import get_visible_listings
from c2c_api.offers.errors import (
    OfferBelowFloor,
    OfferCurrencyMismatch,
    OfferNotFound,
    OfferNotPending,
    OfferNotYoursToAnswer,
    OffersNotAccepted,
    TooManyOffers,
)
from c2c_api.offers.models import Offer, OfferParty, OfferRules, OfferStatus
from c2c_api.orders.errors import (
    ListingNotPurchasable,
    OutOfStock,
    PurchaseOfOwnListing,
)
from c2c_api.orders.models import Handover, Order
from c2c_api.orders.notify import notify
from c2c_api.orders.service import check_handover, create_order
from c2c_api.payments.fees import FeeSchedule

OFFER_LIFETIME = timedelta(hours=48)
FLOOR_PERCENT = 50
MAX_OPEN_PER_LISTING = 3
MAX_OPEN_IN_ALL = 20
MAX_OFFER_AMOUNT = 10**12
EXPIRE_ACTION = "offer.expire"
OFFER_RECEIVED_TOPIC = "offer.received"
OFFER_UPDATED_TOPIC = "offer.updated"


@dataclass(frozen=True)
class OfferOutcome:
    offer: Offer
    order: Order | None = None


def floor_of(listing: Listing) -> int:
    """The lowest amount per unit a buyer may offer on a SALE listing (50 %, rounded up)."""
    price = listing.price or 0
    return -(-price * FLOOR_PERCENT // 100)


def _check_amount(amount: int) -> None:
    if not 1 <= amount <= MAX_OFFER_AMOUNT:
        raise AmountOutOfRange(fields=["amount"])


def _clean_message(message: str | None) -> str | None:
    if message is None:
        return None
    text = message.strip()
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise InvalidInput("Remove the control characters.", fields=["message"])
    if len(text) > 500:
        raise InvalidInput("Use at most 500 characters.", fields=["message"])
    return text or None


async def make_offer(
    session: AsyncSession,
    actor: Actor,
    *,
    listing_id: uuid.UUID,
    amount: int,
    currency: str,
    quantity: int = 1,
    handover: Handover | None = None,
    message: str | None = None,
    offered_listing_id: uuid.UUID | None = None,
    fees: FeeSchedule | None = None,
) -> OfferOutcome:
    """Offer on a SALE listing, or answer a WANTED listing."""
    member_id = require_member(actor)
    _check_amount(amount)
    text = _clean_message(message)
    listing = (await get_visible_listings(session, actor, [listing_id])).get(listing_id)
    if listing is None:
        raise ListingNotPurchasable(fields=["listingId"])
    if ListingPolicy.is_owner(actor, listing):
        raise PurchaseOfOwnListing(fields=["listingId"])
    if not ListingPolicy.is_live(listing) or listing.status != ListingStatus.PUBLISHED:
        raise ListingNotPurchasable(fields=["listingId"])
    await conversations.ensure_not_blocked(
        session, member_id, listing.seller_id, fields=["listingId"]
    )
    if currency != listing.currency:
        raise OfferCurrencyMismatch(fields=["currency"], context={"currency": listing.currency})
    if not 1 <= quantity <= listing.quantity - listing.reserved_quantity - listing.sold_quantity:
        left = listing.quantity - listing.reserved_quantity - listing.sold_quantity
        raise OutOfStock(fields=["quantity"], context={"available": max(left, 0)})
    kind = listing.kind.value
    if kind == "SALE":
        if not listing.accepts_offers:
            raise OffersNotAccepted(fields=["listingId"])
        if amount < floor_of(listing):
            raise OfferBelowFloor(fields=["amount"], context={"floor": floor_of(listing)})
        if handover is None:
            raise InvalidInput(
                "Choose how to receive the item: shipping or meet-up.", fields=["handover"]
            )
        check_handover(listing, handover)
        buyer, seller, made_by = member_id, listing.seller_id, OfferParty.BUYER
        if offered_listing_id is not None:
            raise InvalidInput(
                "Propose one of your own published listings.", fields=["offeredListingId"]
            )
    elif kind == "WANTED":
        buyer, seller, made_by = listing.seller_id, member_id, OfferParty.SELLER
        if offered_listing_id is not None:
            offered = (await get_visible_listings(session, actor, [offered_listing_id])).get(
                offered_listing_id
            )
            if (
                offered is None
                or not ListingPolicy.is_owner(actor, offered)
                or not ListingPolicy.is_live(offered)
            ):
                raise InvalidInput(
                    "Propose one of your own published listings.", fields=["offeredListingId"]
                )
    else:
        raise ListingNotPurchasable(fields=["listingId"])
    await _check_open_offers(session, member_id, listing.id)
    now = utcnow()
    offer = Offer(
        listing_id=listing.id,
        buyer_id=buyer,
        seller_id=seller,
        made_by=made_by,
        amount=amount,
        quantity=quantity,
        currency=currency,
        message=text,
        handover=handover.value if handover else None,
        offered_listing_id=offered_listing_id,
        expires_at=now + OFFER_LIFETIME,
        created_at=now,
    )
    session.add(offer)
    await session.flush()
    offer.root_id = offer.id
    await _arm(session, offer)
    if kind == "SALE":
        outcome = await _apply_rules(session, offer, listing, fees)
        if outcome is not None:
            return outcome
    await _announce(session, offer, received=True)
    return OfferOutcome(offer)


async def _check_open_offers(
    session: AsyncSession, member_id: uuid.UUID, listing_id: uuid.UUID
) -> None:
    """3 open offers per listing, 20 in all, made by this member."""
    mine = sa.or_(
        sa.and_(col(Offer.made_by) == OfferParty.BUYER, col(Offer.buyer_id) == member_id),
        sa.and_(col(Offer.made_by) == OfferParty.SELLER, col(Offer.seller_id) == member_id),
    )
    counts = (
        await session.exec(
            select(
                sa.func.count(),
                sa.func.count().filter(col(Offer.listing_id) == listing_id),
            ).where(mine, col(Offer.status) == OfferStatus.PENDING)
        )
    ).one()
    total, here = int(counts[0]), int(counts[1])
    if here >= MAX_OPEN_PER_LISTING or total >= MAX_OPEN_IN_ALL:
        raise TooManyOffers(
            fields=["listingId"],
            context={"perListing": MAX_OPEN_PER_LISTING, "inAll": MAX_OPEN_IN_ALL},
        )


async def _apply_rules(
    session: AsyncSession, offer: Offer, listing: Listing, fees: FeeSchedule | None
) -> OfferOutcome | None:
    rules = await session.get(OfferRules, listing.id)
    if rules is None:
        return None
    if rules.auto_decline_amount is not None and offer.amount < rules.auto_decline_amount:
        await _close(session, offer, OfferStatus.DECLINED, auto=True)
        await _announce(session, offer, received=False)
        return OfferOutcome(offer)
    if rules.auto_accept_amount is not None and offer.amount >= rules.auto_accept_amount:
        order = await _accept(session, offer, auto=True, fees=fees)
        return OfferOutcome(offer, order)
    return None


async def _arm(session: AsyncSession, offer: Offer) -> None:
    await schedule_timer(
        session,
        subject_type="offer",
        subject_id=offer.id,
        action=EXPIRE_ACTION,
        due_at=offer.expires_at,
    )


async def _announce(session: AsyncSession, offer: Offer, *, received: bool) -> None:
    """offer.received to the party the offer is addressed to; offer.updated to both; a
    system message in the listing's conversation between them."""
    addressee = offer.seller_id if offer.made_by == OfferParty.BUYER else offer.buyer_id
    maker = offer.buyer_id if offer.made_by == OfferParty.BUYER else offer.seller_id
    payload = {
        "offerId": str(offer.id),
        "listingId": str(offer.listing_id),
        "status": offer.status.value,
        "amount": offer.amount,
        "currency": offer.currency,
    }
    await _post_in_conversation(session, offer, received=received, maker=maker, payload=payload)
    if received:
        await record_event(
            session,
            topic=OFFER_RECEIVED_TOPIC,
            payload={**payload, "recipientId": str(addressee), "notify": True},
            member_id=addressee,
            flush=False,
        )
        await notify(
            session,
            recipient_id=addressee,
            kind="offer.received",
            data={"ref": str(offer.id), "amount": Money(offer.amount, offer.currency).format()},
        )
        return
    told = addressee if offer.status == OfferStatus.WITHDRAWN else maker
    await notify(
        session,
        recipient_id=told,
        kind="offer",
        data={"ref": str(offer.id), "status": offer.status.value},
    )
    for member in (maker, addressee):
        await record_event(
            session,
            topic=OFFER_UPDATED_TOPIC,
            payload={**payload, "recipientId": str(member), "notify": member == maker},
            member_id=member,
            flush=False,
        )


async def _post_in_conversation(
    session: AsyncSession,
    offer: Offer,
    *,
    received: bool,
    maker: uuid.UUID,
    payload: Mapping[str, object],
) -> None:
    listing = await session.get(Listing, offer.listing_id)
    assert listing is not None
    owner = listing.seller_id
    interested = offer.seller_id if owner == offer.buyer_id else offer.buyer_id
    if received or offer.status == OfferStatus.WITHDRAWN:
        actor: uuid.UUID | None = maker
    elif offer.status in (OfferStatus.ACCEPTED, OfferStatus.DECLINED) and not offer.auto:
        actor = offer.seller_id if maker == offer.buyer_id else offer.buyer_id
    else:
        actor = None  # expiry, the seller's automatic answer
    await conversations.post_system_message(
        session,
        listing_id=offer.listing_id,
        interested_member_id=interested,
        owner_id=owner,
        event=OFFER_RECEIVED_TOPIC if received else OFFER_UPDATED_TOPIC,
        payload={**payload, "madeBy": offer.made_by.value, "quantity": offer.quantity},
        actor_id=actor,
    )


async def _locked_offer(session: AsyncSession, actor: Actor, offer_id: uuid.UUID) -> Offer:
    member_id = require_member(actor)
    offer = await _locked(session, offer_id)
    if offer is None or member_id not in (offer.buyer_id, offer.seller_id):
        raise OfferNotFound(fields=["offerId"])
    return offer


async def _locked(session: AsyncSession, offer_id: uuid.UUID) -> Offer | None:
    """The offer as locked now (populate_existing: even if this session loaded it before)."""
    return (
        await session.exec(
            select(Offer)
            .where(col(Offer.id) == offer_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).first()


def _maker(offer: Offer) -> uuid.UUID:
    return offer.buyer_id if offer.made_by == OfferParty.BUYER else offer.seller_id


async def _pending(session: AsyncSession, offer: Offer) -> None:
    """OFFER_NOT_PENDING unless the offer is still open (an offer past its expiry is
    expired now, even if its timer has not fired yet)."""
    if offer.status == OfferStatus.PENDING and offer.expires_at <= utcnow():
        await _close(session, offer, OfferStatus.EXPIRED)
    if offer.status != OfferStatus.PENDING:
        raise OfferNotPending(fields=["offerId"], context={"status": offer.status.value})


async def _close(
    session: AsyncSession, offer: Offer, status: OfferStatus, *, auto: bool = False
) -> None:
    offer.status = status
    offer.answered_at = utcnow()
    offer.auto = auto
    session.add(offer)
    await session.flush()
    if status != OfferStatus.EXPIRED:
        await cancel_timer(session, subject_type="offer", subject_id=offer.id, action=EXPIRE_ACTION)


async def accept_offer(
    session: AsyncSession,
    actor: Actor,
    *,
    offer_id: uuid.UUID,
    handover: Handover | None = None,
    fees: FeeSchedule | None = None,
) -> OfferOutcome:
    """The addressee accepts: the order is created at the offer's price (stock reserved)."""
    offer = await _locked_offer(session, actor, offer_id)
    await _pending(session, offer)
    if actor.member_id == _maker(offer):
        raise OfferNotYoursToAnswer(fields=["offerId"])
    if offer.handover is None:
        if handover is None:
            raise InvalidInput(
                "Choose how to receive the item: shipping or meet-up.", fields=["handover"]
            )
        offer.handover = handover.value
    order = await _accept(session, offer, auto=False, fees=fees)
    return OfferOutcome(offer, order)


async def _accept(
    session: AsyncSession, offer: Offer, *, auto: bool, fees: FeeSchedule | None = None
) -> Order:
    # The order is created for the buyer, whoever accepts (a WANTED owner, or a SALE seller).
    buyer_actor = Actor(
        kind=ActorKind.MEMBER,
        member_id=offer.buyer_id,
        scopes=frozenset({"orders:write"}),
    )
    await _close(session, offer, OfferStatus.ACCEPTED, auto=auto)
    order = await create_order(
        session,
        buyer_actor,
        listing_id=offer.listing_id,
        quantity=offer.quantity,
        handover=Handover(offer.handover or Handover.SHIPPING.value),
        unit_price=offer.amount,
        offer_id=offer.id,
        buyer_id=offer.buyer_id,
        seller_id=offer.seller_id,
        fees=fees,
    )
    offer.order_id = order.id
    session.add(offer)
    await session.flush()
    await _announce(session, offer, received=False)
    return order


async def counter_offer(
    session: AsyncSession,
    actor: Actor,
    *,
    offer_id: uuid.UUID,
    amount: int,
    message: str | None = None,
) -> OfferOutcome:
    """The addressee answers with another amount: the new offer replaces this one."""
    _check_amount(amount)
    text = _clean_message(message)
    offer = await _locked_offer(session, actor, offer_id)
    await _pending(session, offer)
    if actor.member_id == _maker(offer):
        raise OfferNotYoursToAnswer(fields=["offerId"])
    listing = await session.get(Listing, offer.listing_id)
    assert listing is not None
    await conversations.ensure_not_blocked(
        session, offer.buyer_id, offer.seller_id, fields=["offerId"]
    )
    made_by = OfferParty.SELLER if offer.made_by == OfferParty.BUYER else OfferParty.BUYER
    if made_by == OfferParty.BUYER and listing.kind.value == "SALE" and amount < floor_of(listing):
        raise OfferBelowFloor(fields=["amount"], context={"floor": floor_of(listing)})
    await _close(session, offer, OfferStatus.COUNTERED)
    now = utcnow()
    counter = Offer(
        listing_id=offer.listing_id,
        buyer_id=offer.buyer_id,
        seller_id=offer.seller_id,
        made_by=made_by,
        amount=amount,
        quantity=offer.quantity,
        currency=offer.currency,
        message=text,
        handover=offer.handover,
        offered_listing_id=offer.offered_listing_id,
        parent_id=offer.id,
        root_id=offer.root_id or offer.id,
        expires_at=now + OFFER_LIFETIME,
        created_at=now,
    )
    session.add(counter)
    await session.flush()
    await _arm(session, counter)
    await _announce(session, counter, received=True)
    return OfferOutcome(counter)


async def decline_offer(session: AsyncSession, actor: Actor, *, offer_id: uuid.UUID) -> Offer:
    """The addressee declines."""
    offer = await _locked_offer(session, actor, offer_id)
    await _pending(session, offer)
    if actor.member_id == _maker(offer):
        raise OfferNotYoursToAnswer(fields=["offerId"])
    await _close(session, offer, OfferStatus.DECLINED)
    await _announce(session, offer, received=False)
    return offer


async def withdraw_offer(session: AsyncSession, actor: Actor, *, offer_id: uuid.UUID) -> Offer:
    """Its maker withdraws a pending offer."""
    offer = await _locked_offer(session, actor, offer_id)
    await _pending(session, offer)
    if actor.member_id != _maker(offer):
        raise OfferNotYoursToAnswer(fields=["offerId"])
    await _close(session, offer, OfferStatus.WITHDRAWN)
    await _announce(session, offer, received=False)
    return offer


async def expire_offer(session: AsyncSession, *, offer_id: uuid.UUID) -> None:
    """The expiry timer: a pending offer past its expiry is EXPIRED (else nothing)."""
    offer = await _locked(session, offer_id)
    if offer is None:
        return
    if offer.status == OfferStatus.PENDING and offer.expires_at <= utcnow():
        await _close(session, offer, OfferStatus.EXPIRED)
        await _announce(session, offer, received=False)


async def set_offer_rules(
    session: AsyncSession,
    actor: Actor,
    *,
    listing_id: uuid.UUID,
    auto_accept_amount: int | None,
    auto_decline_amount: int | None,
) -> OfferRules:
    """The seller's automatic answers on a SALE listing (null: none)."""
    require_member(actor)
    listing = (await get_visible_listings(session, actor, [listing_id])).get(listing_id)
    if listing is None or not ListingPolicy.can_edit(actor, listing):
        raise ListingNotPurchasable(fields=["listingId"])
    if listing.kind.value != "SALE":
        raise OffersNotAccepted(fields=["listingId"])
    for name, value in (
        ("autoAcceptAmount", auto_accept_amount),
        ("autoDeclineAmount", auto_decline_amount),
    ):
        if value is not None and not 1 <= value <= MAX_OFFER_AMOUNT:
            raise AmountOutOfRange(fields=[name])
    if (
        auto_accept_amount is not None
        and auto_decline_amount is not None
        and auto_decline_amount > auto_accept_amount
    ):
        raise InvalidInput(
            "The automatic decline must be below the automatic acceptance.",
            fields=["autoDeclineAmount"],
        )
    rules = await session.get(OfferRules, listing_id) or OfferRules(listing_id=listing_id)
    rules.auto_accept_amount = auto_accept_amount
    rules.auto_decline_amount = auto_decline_amount
    rules.updated_at = utcnow()
    session.add(rules)
    await session.flush()
    return rules


# Reads


async def get_offers(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Offer]:
    """Offers by id the caller is a party to (with offers:write)."""
    if not ids or actor.member_id is None:
        return {}
    rows = (await session.exec(select(Offer).where(col(Offer.id).in_(list(ids))))).all()
    return {
        o.id: o for o in rows if can_see_offer(actor, buyer_id=o.buyer_id, seller_id=o.seller_id)
    }


OfferPage = Page[Offer]


async def offers_on_listings(
    session: AsyncSession, actor: Actor, listing_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Offer]]:
    """The caller's offers on each listing (made or received), newest first (one statement;
    for conversations)."""
    grouped: dict[uuid.UUID, list[Offer]] = {i: [] for i in listing_ids}
    if not listing_ids or actor.member_id is None:
        return grouped
    rows = await session.exec(
        select(Offer)
        .where(
            col(Offer.listing_id).in_(list(listing_ids)),
            sa.or_(col(Offer.buyer_id) == actor.member_id, col(Offer.seller_id) == actor.member_id),
        )
        .order_by(col(Offer.created_at).desc(), col(Offer.id).desc())
    )
    for offer in rows:
        if can_see_offer(actor, buyer_id=offer.buyer_id, seller_id=offer.seller_id):
            grouped[offer.listing_id].append(offer)
    return grouped


async def offers_of_member(
    session: AsyncSession,
    actor: Actor,
    *,
    made: bool,
    statuses: Sequence[OfferStatus] | None,
    limit: int,
    after: Position | None,
) -> OfferPage:
    """Offers the caller made (or received), newest first."""
    member_id = require_member(actor)
    by_buyer = sa.and_(col(Offer.made_by) == OfferParty.BUYER, col(Offer.buyer_id) == member_id)
    by_seller = sa.and_(col(Offer.made_by) == OfferParty.SELLER, col(Offer.seller_id) == member_id)
    to_seller = sa.and_(col(Offer.made_by) == OfferParty.BUYER, col(Offer.seller_id) == member_id)
    to_buyer = sa.and_(col(Offer.made_by) == OfferParty.SELLER, col(Offer.buyer_id) == member_id)
    conditions: list[sa.ColumnElement[bool]] = [
        sa.or_(by_buyer, by_seller) if made else sa.or_(to_seller, to_buyer)
    ]
    if statuses:
        conditions.append(col(Offer.status).in_(list(statuses)))
    items, has_next = await keyset_page(
        session,
        select(Offer).where(*conditions),
        created_at=col(Offer.created_at),
        ident=col(Offer.id),
        after=after,
        limit=limit,
    )
    return Page(items, has_next)
