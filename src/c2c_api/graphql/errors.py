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
    """Run a mutation atomically: a DomainError rolls its writes back and becomes a UserError.

    The resolver must take `info` as a keyword argument (strawberry passes it so).
    """

    @functools.wraps(resolver)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | UserError:
        info = kwargs.get("info")
        assert isinstance(info, Info), "mutation resolvers take `info`"
        ctx = info.context
        ctx.is_mutation = True
        savepoint = await ctx.session.begin_nested()
        try:
            result = await resolver(*args, **kwargs)
        except DomainError as error:
            await savepoint.rollback()
            return user_error(error, ctx.locale)
        except BaseException:
            await savepoint.rollback()
            raise
        await savepoint.commit()
        return result

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
