"""Domain errors as GraphQL data (typed payload errors) and as GraphQL error extensions."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.types import Info
from strawberry.types.enum import StrawberryEnumDefinition

from c2c_api.errors import DESCRIPTIONS, DomainError, ErrorCode
from c2c_api.i18n import translate

log = logging.getLogger(__name__)

ErrorCodeEnum = strawberry.enum(
    ErrorCode,
    name="ErrorCode",
    description="Stable, documented codes of expected failures (see docs/errors.md).",
)
# Each value's meaning shows in the SDL too (the same text as docs/errors.md).
_definition: StrawberryEnumDefinition = ErrorCodeEnum.__strawberry_definition__  # type: ignore[attr-defined]
for _value in _definition.values:
    _value.description = DESCRIPTIONS.get(ErrorCode(_value.value))


@strawberry.type(description="An expected failure of a mutation, returned as data.")
class UserError:
    code: ErrorCodeEnum  # type: ignore[valid-type]
    message: str = strawberry.field(description="Human-readable, in the caller's language.")
    fields: list[str] = strawberry.field(
        description="Input fields at fault (camelCase paths), empty when not about a field."
    )


def user_error(error: DomainError, locale: str) -> UserError:
    return UserError(
        code=error.code,
        message=translate(error.message, locale),
        fields=list(error.fields),
    )


P = ParamSpec("P")
R = TypeVar("R")


def mutation_payload(
    resolver: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[R | UserError]]:
    """Run a mutation as one use case: its writes are committed before its payload is
    resolved, or rolled back when it raises; a DomainError becomes a UserError.

    The payload's fields then read committed data: a field that fails after the commit does
    not undo the mutation (docs/graphql-over-http.md, "Mutations"). The resolver must take
    `info` as a keyword argument (strawberry passes it so).
    """

    @functools.wraps(resolver)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | UserError:
        info = kwargs.get("info")
        assert isinstance(info, Info), "mutation resolvers take `info`"
        ctx = info.context
        try:
            async with ctx.use_case():
                return await resolver(*args, **kwargs)
        except DomainError as error:
            return user_error(error, ctx.locale)

    return wrapper


def payload_of_use_case(
    resolver: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[R | UserError]]:
    """A mutation whose use case runs its own units of work (it records an attempt apart
    before its change: users/accounts.py): a DomainError becomes a UserError.

    The request's reads are ended before it and its loaders emptied after, as for
    `mutation_payload`.
    """

    @functools.wraps(resolver)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | UserError:
        info = kwargs.get("info")
        assert isinstance(info, Info), "mutation resolvers take `info`"
        ctx = info.context
        await ctx.end_reads()
        try:
            return await resolver(*args, **kwargs)
        except DomainError as error:
            return user_error(error, ctx.locale)
        finally:
            ctx.loaders.clear()

    return wrapper


def error_extensions(error: GraphQLError) -> dict[str, Any] | None:
    """Extensions for a GraphQL error caused by a DomainError (scope, auth, not found)."""
    original = error.original_error
    if isinstance(original, DomainError):
        ext: dict[str, Any] = {"code": original.code.value}
        ext.update(original.context)
        return ext
    return None


def should_mask(error: GraphQLError) -> bool:
    """Mask unexpected exceptions only; domain errors and GraphQL's own errors stay visible."""
    original = error.original_error
    return not (original is None or isinstance(original, (DomainError, GraphQLError)))
