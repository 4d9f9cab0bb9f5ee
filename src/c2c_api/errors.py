"""Domain errors: a stable code, a message and context; no HTTP, no GraphQL.

    DomainError
     ├── NotFound               the thing does not exist, or the caller may not see it
     ├── Forbidden              the caller sees it but may not do this
     ├── Unauthenticated        a member (or partner) is required
     ├── InsufficientScope      the token lacks a required OAuth scope
     ├── InvalidInput           input fails validation (carries `fields`)
     │    ├── InvalidId         INVALID_ID: not a global id of the expected type
     │    └── InvalidCursor     INVALID_CURSOR: not a cursor we issued for this list
     ├── Conflict               uniqueness or a concurrent change
     ├── InvalidState           the thing is not in a state that allows this
     └── RateLimited            too many attempts; retry later (retryable)
    ReplayedError               the first answer of an idempotent request, raised again:
                                any code; it maps as its original's class did (`family`)

Transports map the family to a status (REST) or a typed payload error (GraphQL) in one place.
A class whose failure is transient sets `retryable = True` (RateLimited, a provider that is
down): an idempotency key is then released instead of keeping that answer (docs/idempotency.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, ClassVar


class ErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    INSUFFICIENT_SCOPE = "INSUFFICIENT_SCOPE"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_ID = "INVALID_ID"
    CONFLICT = "CONFLICT"
    INVALID_STATE = "INVALID_STATE"
    RATE_LIMITED = "RATE_LIMITED"
    # account
    EMAIL_TAKEN = "EMAIL_TAKEN"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_TOKEN = "INVALID_TOKEN"
    ACCOUNT_SUSPENDED = "ACCOUNT_SUSPENDED"
    # partners
    SLUG_TAKEN = "SLUG_TAKEN"
    # categories and attributes (c2c_api.categories.errors)
    CATEGORY_UNKNOWN = "CATEGORY_UNKNOWN"
    CATEGORY_NOT_ASSIGNABLE = "CATEGORY_NOT_ASSIGNABLE"
    CATEGORY_KIND_NOT_ALLOWED = "CATEGORY_KIND_NOT_ALLOWED"
    ATTRIBUTE_UNKNOWN = "ATTRIBUTE_UNKNOWN"
    ATTRIBUTE_INVALID = "ATTRIBUTE_INVALID"
    ATTRIBUTE_REQUIRED = "ATTRIBUTE_REQUIRED"
    # photos (c2c_api.photos.errors)
    PHOTO_NOT_AN_IMAGE = "PHOTO_NOT_AN_IMAGE"
    PHOTO_DAMAGED = "PHOTO_DAMAGED"
    PHOTO_UNSUPPORTED_FORMAT = "PHOTO_UNSUPPORTED_FORMAT"
    PHOTO_TOO_LARGE = "PHOTO_TOO_LARGE"
    PHOTO_TOO_MANY_PIXELS = "PHOTO_TOO_MANY_PIXELS"
    # listings (c2c_api.listings.errors)
    LISTING_INVALID_PRICE = "LISTING_INVALID_PRICE"
    CURRENCY_UNSUPPORTED = "CURRENCY_UNSUPPORTED"
    END_TIME_IN_PAST = "END_TIME_IN_PAST"
    END_TIME_TOO_FAR = "END_TIME_TOO_FAR"
    COORDINATES_OUT_OF_RANGE = "COORDINATES_OUT_OF_RANGE"
    LISTING_NOT_EDITABLE = "LISTING_NOT_EDITABLE"
    LISTING_INCOMPLETE = "LISTING_INCOMPLETE"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    CATEGORY_RETIRED = "CATEGORY_RETIRED"
    PHOTO_NOT_FOUND = "PHOTO_NOT_FOUND"
    PHOTO_ATTACHED_ELSEWHERE = "PHOTO_ATTACHED_ELSEWHERE"
    TOO_MANY_PHOTOS = "TOO_MANY_PHOTOS"
    STORAGE_UNAVAILABLE = "STORAGE_UNAVAILABLE"
    # favorites and questions
    QUESTION_NOT_FOUND = "QUESTION_NOT_FOUND"
    QUESTION_ON_OWN_LISTING = "QUESTION_ON_OWN_LISTING"
    LISTING_NOT_OPEN_FOR_QUESTIONS = "LISTING_NOT_OPEN_FOR_QUESTIONS"
    QUESTION_ALREADY_ANSWERED = "QUESTION_ALREADY_ANSWERED"
    # search (c2c_api.search.errors)
    INVALID_CURSOR = "INVALID_CURSOR"
    SEARCH_LIMIT_EXCEEDED = "SEARCH_LIMIT_EXCEEDED"
    CURRENCY_REQUIRED = "CURRENCY_REQUIRED"
    # deals: processes, offers, orders, payments of orders
    TRANSITION_NOT_AVAILABLE = "TRANSITION_NOT_AVAILABLE"
    TRANSITION_NOT_ALLOWED = "TRANSITION_NOT_ALLOWED"
    TRANSITION_INPUT_INVALID = "TRANSITION_INPUT_INVALID"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    OFFER_NOT_FOUND = "OFFER_NOT_FOUND"
    LISTING_NOT_PURCHASABLE = "LISTING_NOT_PURCHASABLE"
    PURCHASE_OF_OWN_LISTING = "PURCHASE_OF_OWN_LISTING"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    HANDOVER_NOT_OFFERED = "HANDOVER_NOT_OFFERED"
    OFFERS_NOT_ACCEPTED = "OFFERS_NOT_ACCEPTED"
    OFFER_BELOW_FLOOR = "OFFER_BELOW_FLOOR"
    OFFER_CURRENCY_MISMATCH = "OFFER_CURRENCY_MISMATCH"
    TOO_MANY_OFFERS = "TOO_MANY_OFFERS"
    OFFER_NOT_PENDING = "OFFER_NOT_PENDING"
    OFFER_NOT_YOURS_TO_ANSWER = "OFFER_NOT_YOURS_TO_ANSWER"
    HANDOVER_CODE_INVALID = "HANDOVER_CODE_INVALID"
    HANDOVER_CODE_LOCKED = "HANDOVER_CODE_LOCKED"
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    CARD_INSUFFICIENT_FUNDS = "CARD_INSUFFICIENT_FUNDS"
    ORDER_NOT_PAYABLE = "ORDER_NOT_PAYABLE"
    NOT_THE_BUYER = "NOT_THE_BUYER"
    # payments provider (c2c_api.payments.errors)
    PAYMENT_PROVIDER_UNAVAILABLE = "PAYMENT_PROVIDER_UNAVAILABLE"
    WEBHOOK_SIGNATURE_INVALID = "WEBHOOK_SIGNATURE_INVALID"
    WEBHOOK_TOO_OLD = "WEBHOOK_TOO_OLD"
    WEBHOOK_MALFORMED = "WEBHOOK_MALFORMED"
    UNKNOWN_PAYMENT_PROVIDER = "UNKNOWN_PAYMENT_PROVIDER"
    # ledger (c2c_api.ledger.errors)
    AMOUNT_OUT_OF_RANGE = "AMOUNT_OUT_OF_RANGE"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    HOLD_NOT_PENDING = "HOLD_NOT_PENDING"
    LEDGER_REFERENCE_CONFLICT = "LEDGER_REFERENCE_CONFLICT"
    # idempotency keys of money-moving operations (c2c_api.idempotency.errors)
    IDEMPOTENCY_KEY_REQUIRED = "IDEMPOTENCY_KEY_REQUIRED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    IDEMPOTENCY_KEY_IN_USE = "IDEMPOTENCY_KEY_IN_USE"
    # trust: scam warnings on messages (c2c_api.trust.errors)
    MESSAGE_TOO_LONG = "MESSAGE_TOO_LONG"
    # ratings (c2c_api.ratings.errors)
    RATING_NOT_FOUND = "RATING_NOT_FOUND"
    ORDER_NOT_COMPLETED = "ORDER_NOT_COMPLETED"
    ALREADY_RATED = "ALREADY_RATED"
    RATING_WINDOW_CLOSED = "RATING_WINDOW_CLOSED"
    RATING_SCORE_INVALID = "RATING_SCORE_INVALID"
    RATING_CRITERION_NOT_ALLOWED = "RATING_CRITERION_NOT_ALLOWED"
    NOT_YOURS_TO_REPLY = "NOT_YOURS_TO_REPLY"
    ALREADY_REPLIED = "ALREADY_REPLIED"
    # conversations and blocks (c2c_api.conversations.errors)
    THREAD_NOT_FOUND = "THREAD_NOT_FOUND"
    MESSAGE_TO_SELF = "MESSAGE_TO_SELF"
    MESSAGE_EMPTY = "MESSAGE_EMPTY"
    MESSAGE_CONTROL_CHARACTERS = "MESSAGE_CONTROL_CHARACTERS"
    MEMBER_UNAVAILABLE = "MEMBER_UNAVAILABLE"
    MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND"
    BLOCK_OF_SELF = "BLOCK_OF_SELF"


# What each code means, for docs/errors.md and the SDL (a test fails when one is missing).
DESCRIPTIONS: dict[ErrorCode, str] = {
    ErrorCode.NOT_FOUND: (
        "The thing does not exist, or the caller may not see it (the two are not told apart)."
    ),
    ErrorCode.FORBIDDEN: "The caller sees the thing but may not do this to it.",
    ErrorCode.UNAUTHENTICATED: (
        "A signed-in member or a partner token is required (or the token is of the wrong kind)."
    ),
    ErrorCode.INSUFFICIENT_SCOPE: (
        "The access token lacks a scope the operation requires; `requiredScopes` lists the "
        "alternatives (any one inner list, with every scope of it)."
    ),
    ErrorCode.INVALID_INPUT: "Some input is not valid; `fields` names it.",
    ErrorCode.INVALID_ID: (
        "A global id argument is malformed or is the id of another type (`fields` names the "
        "argument; `expectedTypes` in extensions when known). Nothing was looked up."
    ),
    ErrorCode.CONFLICT: "The change conflicts with the current state (a uniqueness rule).",
    ErrorCode.INVALID_STATE: "The thing is not in a state that allows this operation.",
    ErrorCode.RATE_LIMITED: (
        "Too many attempts; retry later (REST: `Retry-After`; sendMessage: `retryAfter` "
        "seconds in its payload)."
    ),
    ErrorCode.EMAIL_TAKEN: "An account with this e-mail address already exists.",
    ErrorCode.WEAK_PASSWORD: "The new password is refused (length, e-mail, variety).",
    ErrorCode.INVALID_CREDENTIALS: "Wrong e-mail address or password.",
    ErrorCode.INVALID_TOKEN: "An e-mail link's token is invalid, used or expired.",
    ErrorCode.ACCOUNT_SUSPENDED: "The member's account is suspended.",
    ErrorCode.SLUG_TAKEN: "A partner (storefront) slug is already in use.",
    ErrorCode.CATEGORY_UNKNOWN: "No category has this slug.",
    ErrorCode.CATEGORY_NOT_ASSIGNABLE: "A listing needs a leaf category, not a parent one.",
    ErrorCode.CATEGORY_KIND_NOT_ALLOWED: (
        "This kind of listing is not allowed in this category (e.g. a SALE under Services)."
    ),
    ErrorCode.ATTRIBUTE_UNKNOWN: (
        "An attribute key the category does not define; `problems` lists each key."
    ),
    ErrorCode.ATTRIBUTE_INVALID: "An attribute value has the wrong type or range.",
    ErrorCode.ATTRIBUTE_REQUIRED: "A required attribute of the category is absent or null.",
    ErrorCode.PHOTO_NOT_AN_IMAGE: "The uploaded file is not an image (empty, text, unknown).",
    ErrorCode.PHOTO_DAMAGED: "The image is of a known format but fails to decode.",
    ErrorCode.PHOTO_UNSUPPORTED_FORMAT: "The image format is not JPEG, PNG or WebP.",
    ErrorCode.PHOTO_TOO_LARGE: "The upload has more bytes than allowed.",
    ErrorCode.PHOTO_TOO_MANY_PIXELS: "The image has too many pixels (or is a decompression bomb).",
    ErrorCode.LISTING_INVALID_PRICE: (
        "An amount is <= 0, too large, or inconsistent (reserve below start, buy-now at or "
        "below start, ...)."
    ),
    ErrorCode.CURRENCY_UNSUPPORTED: "The currency is not one the marketplace supports.",
    ErrorCode.END_TIME_IN_PAST: "An end time or deadline is not in the future.",
    ErrorCode.END_TIME_TOO_FAR: "An end time is beyond the listing kind's longest duration.",
    ErrorCode.COORDINATES_OUT_OF_RANGE: "A latitude, longitude or radius is out of range.",
    ErrorCode.LISTING_NOT_EDITABLE: "The listing is closed, expired, sold or removed.",
    ErrorCode.LISTING_INCOMPLETE: "Publishing a draft that lacks fields; `fields` names them.",
    ErrorCode.VERSION_CONFLICT: (
        "`expectedVersion` is not the listing's current version: reload and retry."
    ),
    ErrorCode.CATEGORY_RETIRED: "The category is retired: choose another one.",
    ErrorCode.PHOTO_NOT_FOUND: "A photo id names no photo of the caller.",
    ErrorCode.PHOTO_ATTACHED_ELSEWHERE: "The photo already belongs to another listing.",
    ErrorCode.TOO_MANY_PHOTOS: "The listing would have more photos than allowed.",
    ErrorCode.STORAGE_UNAVAILABLE: "Photos cannot be stored right now; retry in a moment.",
    ErrorCode.QUESTION_NOT_FOUND: "The question does not exist or the caller may not see it.",
    ErrorCode.QUESTION_ON_OWN_LISTING: "A seller cannot ask a question on their own listing.",
    ErrorCode.LISTING_NOT_OPEN_FOR_QUESTIONS: "Questions are asked on published listings only.",
    ErrorCode.QUESTION_ALREADY_ANSWERED: (
        "The question is answered; an answer can be corrected for 15 minutes only."
    ),
    ErrorCode.INVALID_CURSOR: "The cursor was not issued for this list (or this search).",
    ErrorCode.SEARCH_LIMIT_EXCEEDED: (
        "A search goes beyond a limit (page size, query length, radius, facets, ...)."
    ),
    ErrorCode.CURRENCY_REQUIRED: "A price filter needs a currency.",
    ErrorCode.TRANSITION_NOT_AVAILABLE: (
        "The order's current state does not allow this transition (`availableTransitions` lists "
        "those that it does)."
    ),
    ErrorCode.TRANSITION_NOT_ALLOWED: (
        "The transition exists in the order's state but the caller may not take it (it belongs to "
        "the other party, an operator or the system)."
    ),
    ErrorCode.TRANSITION_INPUT_INVALID: (
        "An input the transition needs is missing, unexpected or malformed (`fields` names it, "
        "e.g. `input.trackingNumber`)."
    ),
    ErrorCode.ORDER_NOT_FOUND: ("The order does not exist or the caller is not a party to it."),
    ErrorCode.OFFER_NOT_FOUND: ("The offer does not exist or the caller is not a party to it."),
    ErrorCode.LISTING_NOT_PURCHASABLE: (
        "The listing cannot be bought or offered on now: not published, not of a kind that sells "
        "this way, or ended."
    ),
    ErrorCode.PURCHASE_OF_OWN_LISTING: (
        "A member cannot buy, offer on or answer their own listing."
    ),
    ErrorCode.OUT_OF_STOCK: (
        "The quantity asked for is more than the listing has left (`available` in extensions)."
    ),
    ErrorCode.HANDOVER_NOT_OFFERED: (
        "The listing does not offer this handover (shipping or meet-up)."
    ),
    ErrorCode.OFFERS_NOT_ACCEPTED: (
        "The seller does not take offers on this listing: buy it at its price."
    ),
    ErrorCode.OFFER_BELOW_FLOOR: (
        "The offer is below the lowest amount allowed (50 % of the asking price); `floor` in "
        "extensions."
    ),
    ErrorCode.OFFER_CURRENCY_MISMATCH: ("The offer is not in the listing's currency."),
    ErrorCode.TOO_MANY_OFFERS: (
        "The buyer already has the most open offers allowed (3 per listing, 20 in all)."
    ),
    ErrorCode.OFFER_NOT_PENDING: (
        "The offer was already accepted, declined, countered, withdrawn or has expired (`status` "
        "in extensions)."
    ),
    ErrorCode.OFFER_NOT_YOURS_TO_ANSWER: (
        "Only the other party answers an offer (accept, decline, counter); only its maker "
        "withdraws it."
    ),
    ErrorCode.HANDOVER_CODE_INVALID: ("The handover code is wrong (`attemptsLeft` in extensions)."),
    ErrorCode.HANDOVER_CODE_LOCKED: (
        "The handover code was entered wrongly too many times; the buyer or an operator must act."
    ),
    ErrorCode.PAYMENT_DECLINED: (
        "The payment provider declined the payment method; nothing was charged."
    ),
    ErrorCode.CARD_INSUFFICIENT_FUNDS: ("The card has insufficient funds; nothing was charged."),
    ErrorCode.ORDER_NOT_PAYABLE: (
        "The order is not awaiting payment (already paid, payment pending, or cancelled)."
    ),
    ErrorCode.NOT_THE_BUYER: ("Only the order's buyer pays it."),
    ErrorCode.RATING_NOT_FOUND: (
        "The rating does not exist or the caller may not see it: a rating is hidden from the "
        "member it is about until it is revealed (docs/ratings.md)."
    ),
    ErrorCode.ORDER_NOT_COMPLETED: "The order is not completed yet: it cannot be rated.",
    ErrorCode.ALREADY_RATED: "The caller already rated this order; a rating is never changed.",
    ErrorCode.RATING_WINDOW_CLOSED: (
        "The rating window (14 days after completion by default) has ended."
    ),
    ErrorCode.RATING_SCORE_INVALID: (
        "A score (the rating's or a criterion's) is not a whole number from 1 to 5; `fields` "
        "names it."
    ),
    ErrorCode.RATING_CRITERION_NOT_ALLOWED: (
        "A criterion is not one the caller rates in their role (a buyer rates the seller on "
        "ITEM_AS_DESCRIBED, COMMUNICATION, HANDOVER; a seller the buyer on COMMUNICATION, "
        "PUNCTUALITY), or is given twice."
    ),
    ErrorCode.NOT_YOURS_TO_REPLY: "Only the member a rating is about replies to it.",
    ErrorCode.ALREADY_REPLIED: "The rating already has its one reply.",
    ErrorCode.PAYMENT_PROVIDER_UNAVAILABLE: (
        "The payment provider could not be reached or did not answer; nothing was charged "
        "twice: retry the same operation later (REST: 503)."
    ),
    ErrorCode.WEBHOOK_SIGNATURE_INVALID: (
        "A provider webhook's signature header is missing, malformed or does not match its "
        "body; nothing was recorded (REST: 400)."
    ),
    ErrorCode.WEBHOOK_TOO_OLD: (
        "A provider webhook was signed more than 300 seconds ago (a possible replay); nothing "
        "was recorded (REST: 400)."
    ),
    ErrorCode.WEBHOOK_MALFORMED: (
        "A correctly signed provider webhook whose body is not an event we can read; nothing "
        "was recorded (REST: 400)."
    ),
    ErrorCode.UNKNOWN_PAYMENT_PROVIDER: (
        "The webhook URL names a payment provider this server does not use (REST: 404)."
    ),
    ErrorCode.AMOUNT_OUT_OF_RANGE: (
        "An amount of money is not a whole number of minor units from 1 to 10^12 (or, for part "
        "of a hold, more than the hold)."
    ),
    ErrorCode.INSUFFICIENT_FUNDS: (
        "An account would fall below zero (counting the holds drawing on it): nothing was written."
    ),
    ErrorCode.HOLD_NOT_PENDING: (
        "The hold on these funds was already posted, voided or expired (a hold is resolved "
        "once; repeating the same resolution is harmless)."
    ),
    ErrorCode.LEDGER_REFERENCE_CONFLICT: (
        "This reference (idempotency key) was already used for a different posting or hold."
    ),
    ErrorCode.IDEMPOTENCY_KEY_REQUIRED: (
        "The operation moves money and needs an idempotency key (GraphQL `idempotencyKey`, "
        "REST `Idempotency-Key` header); docs/idempotency.md."
    ),
    ErrorCode.IDEMPOTENCY_KEY_REUSED: (
        "The idempotency key was already used, within its lifetime, for another operation or "
        "other arguments: choose a new key for a new action."
    ),
    ErrorCode.IDEMPOTENCY_KEY_IN_USE: (
        "A request with this idempotency key is still running: retry the same request later "
        "to get its answer."
    ),
    ErrorCode.THREAD_NOT_FOUND: (
        "The conversation does not exist or the caller is not one of its two participants."
    ),
    ErrorCode.MESSAGE_TO_SELF: (
        "A member cannot start a conversation on their own listing (write in the thread an "
        "interested member opened, with `threadId`)."
    ),
    ErrorCode.MESSAGE_EMPTY: "The message is empty or holds only white space.",
    ErrorCode.MESSAGE_TOO_LONG: (
        "The message (or a text checked for scam warnings) is longer than allowed (4,000 "
        "characters; `maxLength` in extensions)."
    ),
    ErrorCode.MESSAGE_CONTROL_CHARACTERS: (
        "The message holds control characters (line breaks and tabs are allowed)."
    ),
    ErrorCode.MEMBER_UNAVAILABLE: (
        "The other member cannot be contacted or dealt with (a block, in either direction; "
        "which one is not told). Nothing was sent, offered or ordered."
    ),
    ErrorCode.MEMBER_NOT_FOUND: "No member has this id.",
    ErrorCode.BLOCK_OF_SELF: "A member cannot block themself.",
}


class DomainError(Exception):
    """Base of every expected failure."""

    # Set per class; a ReplayedError alone sets it per instance (the code it answers again).
    code: ErrorCode = ErrorCode.INVALID_STATE
    # A transient failure: the same request may succeed later (idempotency keys are released).
    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: Sequence[str] = (),
        context: Mapping[str, Any] | None = None,
    ) -> None:
        self.message = message or self.__class__.__doc__ or self.code.value
        self.fields = list(fields)
        self.context = dict(context or {})
        super().__init__(self.message)

    @property
    def family(self) -> type[DomainError]:
        """The class transports map to a REST status or a GraphQL answer: the error's own."""
        return type(self)


class NotFound(DomainError):
    """Not found."""

    code = ErrorCode.NOT_FOUND


class Forbidden(DomainError):
    """You may not do this."""

    code = ErrorCode.FORBIDDEN


class Unauthenticated(DomainError):
    """Sign in first."""

    code = ErrorCode.UNAUTHENTICATED


class InsufficientScope(DomainError):
    """The access token lacks a required scope."""

    code = ErrorCode.INSUFFICIENT_SCOPE

    def __init__(self, required: Sequence[Sequence[str]]) -> None:
        alternatives = [" ".join(s) for s in required]
        super().__init__(
            f"This operation requires one of these scopes: {', '.join(map(repr, alternatives))}.",
            context={"requiredScopes": [list(s) for s in required]},
        )


class InvalidInput(DomainError):
    """The input is not valid."""

    code = ErrorCode.INVALID_INPUT


class InvalidId(InvalidInput):
    """This is not a valid id of the expected type."""

    code = ErrorCode.INVALID_ID


class InvalidCursor(InvalidInput):
    """This cursor is not valid for this list."""

    code = ErrorCode.INVALID_CURSOR


class Conflict(DomainError):
    """This conflicts with the current state."""

    code = ErrorCode.CONFLICT


class InvalidState(DomainError):
    """Not possible in the current state."""

    code = ErrorCode.INVALID_STATE


class RateLimited(DomainError):
    """Too many attempts; try again later."""

    code = ErrorCode.RATE_LIMITED
    retryable = True


class ReplayedError(DomainError):
    """an earlier answer, given again: the code, message, fields and context it had."""

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode,
        family: type[DomainError],
        fields: Sequence[str] = (),
        context: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, fields=fields, context=context)
        self.code = code
        self._family = family

    @property
    def family(self) -> type[DomainError]:
        """The kernel class of the original error (its REST status, its GraphQL mapping)."""
        return self._family


class EmailTaken(Conflict):
    """An account with this e-mail address already exists."""

    code = ErrorCode.EMAIL_TAKEN


class WeakPassword(InvalidInput):
    """The password is too weak."""

    code = ErrorCode.WEAK_PASSWORD


class InvalidCredentials(DomainError):
    """Wrong e-mail address or password."""

    code = ErrorCode.INVALID_CREDENTIALS


class InvalidEmailToken(InvalidInput):
    """This link is invalid or has expired."""

    code = ErrorCode.INVALID_TOKEN


class AccountSuspended(Forbidden):
    """This account is suspended."""

    code = ErrorCode.ACCOUNT_SUSPENDED


class SlugTaken(Conflict):
    """This slug is already in use."""

    code = ErrorCode.SLUG_TAKEN
