"""Why a message, a block, or a deal between two members was refused.

DomainError
 ├── NotFound
 │    ├── ThreadNotFound              THREAD_NOT_FOUND
 │    ├── ListingNotFound             NOT_FOUND (a listing the caller may not see)
 │    └── MemberNotFound              MEMBER_NOT_FOUND
 ├── Forbidden
 │    └── MemberUnavailable           MEMBER_UNAVAILABLE (a block, either direction)
 ├── InvalidInput
 │    ├── MessageToSelf               MESSAGE_TO_SELF
 │    ├── MessageEmpty                MESSAGE_EMPTY
 │    ├── MessageTooLong              MESSAGE_TOO_LONG (maxLength; trust.errors)
 │    ├── MessageControlCharacters    MESSAGE_CONTROL_CHARACTERS
 │    └── BlockOfSelf                 BLOCK_OF_SELF
 └── RateLimited
      └── MessageRateLimited          RATE_LIMITED (retryAfter, seconds)
"""

from __future__ import annotations

from c2c_api.errors import ErrorCode, Forbidden, InvalidInput, NotFound, RateLimited
from c2c_api.i18n import register_catalogue
from c2c_api.trust.errors import MessageTooLong  # one code, one class: the trust check's

__all__ = ["MessageTooLong"]


class ThreadNotFound(NotFound):
    """This conversation does not exist."""

    code = ErrorCode.THREAD_NOT_FOUND


class ListingNotFound(NotFound):
    """This listing does not exist."""


class MemberNotFound(NotFound):
    """This member does not exist."""

    code = ErrorCode.MEMBER_NOT_FOUND


class MemberUnavailable(Forbidden):
    """This member cannot be contacted."""

    code = ErrorCode.MEMBER_UNAVAILABLE


class MessageToSelf(InvalidInput):
    """You cannot start a conversation on your own listing."""

    code = ErrorCode.MESSAGE_TO_SELF


class MessageEmpty(InvalidInput):
    """Write a message."""

    code = ErrorCode.MESSAGE_EMPTY


class MessageControlCharacters(InvalidInput):
    """Remove the control characters."""

    code = ErrorCode.MESSAGE_CONTROL_CHARACTERS


class BlockOfSelf(InvalidInput):
    """You cannot block yourself."""

    code = ErrorCode.BLOCK_OF_SELF


class MessageRateLimited(RateLimited):
    """You are sending messages too fast; try again later."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(context={"retryAfter": retry_after})
        self.retry_after = retry_after


register_catalogue(
    "fr",
    {
        "This conversation does not exist.": "Cette conversation n'existe pas.",
        "This listing does not exist.": "Cette annonce n'existe pas.",
        "This member does not exist.": "Ce membre n'existe pas.",
        "This member cannot be contacted.": "Ce membre ne peut pas être contacté.",
        "You cannot start a conversation on your own listing.": (
            "Vous ne pouvez pas ouvrir une conversation sur votre propre annonce."
        ),
        "Write a message.": "Écrivez un message.",
        "Give a listingId or a threadId.": "Indiquez un listingId ou un threadId.",
        "This message is not in this conversation.": (
            "Ce message n'appartient pas à cette conversation."
        ),
        "Remove the control characters.": "Retirez les caractères de contrôle.",
        "You cannot block yourself.": "Vous ne pouvez pas vous bloquer vous-même.",
        "You are sending messages too fast; try again later.": (
            "Vous envoyez des messages trop vite ; réessayez plus tard."
        ),
    },
)
