"""Schema extensions: error shaping and masking, transaction marking, request limits."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.types.graphql import OperationType

from c2c_api.db import is_statement_timeout
from c2c_api.errors import DomainError
from c2c_api.graphql.errors import error_extensions, should_mask
from c2c_api.i18n import translate

log = logging.getLogger("c2c_api.graphql")

INTERNAL_ERROR = "Internal server error."
STATEMENT_TIMEOUT = "STATEMENT_TIMEOUT"
STATEMENT_TIMEOUT_MESSAGE = "The database took too long to answer; ask for less, or retry later."
STATEMENT_TIMEOUT_MESSAGE_FR = (
    "La base de données a mis trop de temps à répondre ; demandez moins, ou réessayez plus tard."
)

# Codes for the errors found before execution (no resolver ran), told apart by graphql-core's
# and strawberry's messages: the first matching prefix or fragment wins.
_REQUEST_ERROR_CODES: tuple[tuple[str, str], ...] = (
    ("Document contains more than", "TOKEN_LIMIT_EXCEEDED"),
    ("Syntax Error", "GRAPHQL_PARSE_FAILED"),
    ("exceeds maximum operation depth", "DEPTH_LIMIT_EXCEEDED"),
    ("aliases found. Allowed", "ALIAS_LIMIT_EXCEEDED"),
)


def request_error_code(message: str) -> str:
    """The code of an error found while parsing or validating (before execution)."""
    for fragment, code in _REQUEST_ERROR_CODES:
        if fragment in message:
            return code
    return "GRAPHQL_VALIDATION_FAILED"


class MarkMutations(SchemaExtension):
    """Tell the context a mutation runs, before any resolver opens the session."""

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context.context
        if self.execution_context.operation_type == OperationType.MUTATION:
            ctx.is_mutation = True
        yield


class ShapeErrors(MaskErrors):
    """Domain errors get a code (and translation); unexpected ones are masked with a request id."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask, error_message=INTERNAL_ERROR)

    def _context_value(self, name: str, default: str) -> str:
        ctx = self.execution_context.context
        return str(getattr(ctx, name, default) or default)

    @staticmethod
    def _timeout_error(error: GraphQLError, locale: str) -> GraphQLError:
        """A statement cut by the statement timeout: a typed error, not a masked one."""
        if error.original_error is None or not is_statement_timeout(error.original_error):
            return error
        message = STATEMENT_TIMEOUT_MESSAGE
        if locale == "fr":
            message = STATEMENT_TIMEOUT_MESSAGE_FR
        return GraphQLError(
            message=translate(message, locale),
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": STATEMENT_TIMEOUT},
        )

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        locale = self._context_value("locale", "en")
        return GraphQLError(
            message=translate(INTERNAL_ERROR, locale),
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={
                "code": "INTERNAL_SERVER_ERROR",
                "requestId": self._context_value("request_id", ""),
            },
        )

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        shaped: list[GraphQLError] = []
        locale = self._context_value("locale", "en")
        errors = [self._timeout_error(e, locale) for e in errors]
        for error in super()._process_errors(errors):
            extensions = error_extensions(error)
            if extensions is not None and isinstance(error.original_error, DomainError):
                error = GraphQLError(
                    message=translate(error.original_error.message, locale),
                    nodes=error.nodes,
                    source=error.source,
                    positions=error.positions,
                    path=error.path,
                    original_error=error.original_error,
                    extensions={**(error.extensions or {}), **extensions},
                )
            elif (
                error.path is None
                and not (error.extensions or {}).get("code")
                and (error.original_error is None or isinstance(error.original_error, GraphQLError))
            ):
                # Parse, validation, variable and limit errors: nothing ran; a stable code.
                error.extensions = {"code": request_error_code(error.message)}
            shaped.append(error)
        return shaped
