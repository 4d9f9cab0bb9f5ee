"""Subscriptions executed once per process for identical operations of the same caller.

One message on a member's channel reaches every connection of that member: phones, tablets, a
dozen browser tabs, a partner's back end watching with one client token from many workers. Run
one by one, each subscription would resolve the same event into the same JSON; the cost of a
fan-out would grow with the connections rather than with the events. So a subscription whose

    (document, operation name, variables, caller, locale)

matches one already running in this process joins it: the subscription runs once (its resolver
listens on the broker, checks rights and resolves each event once), and each result, encoded
once, is written to every member of the group under its own operation id. The caller is the
actor without its token's identity and expiry (graphql/ws.py ends each connection when its own
token expires): the same member or partner with the same scopes sees exactly the same results,
whichever token they connected with.

What differs from running each alone (docs/subscriptions.md, "Shared execution"):
- a subscription joining a running group does not run the resolver's opening checks again (it
  listens to the same channel, and every event is still checked against the caller's rights
  when it arrives);
- a member that does not keep up loses its oldest results past `MAX_QUEUE`, as a subscriber of
  the broker does (broker.py); the others are not held back by it.

Queries and mutations sent over the WebSocket, and documents that do not parse, take strawberry's
own path (`run_operation`), one execution each.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationType,
    get_operation_ast,
    parse,
    validate,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.utils.aio import aclosing

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context
    from c2c_api.graphql.schema import C2CSchema

log = logging.getLogger(__name__)

MAX_QUEUE = 100

# What a group hands to its members: ("next", the encoded payload), ("error", [GraphQLError])
# or ("complete",).
Item = tuple[Any, ...]
Key = tuple[Any, ...]


@dataclass(frozen=True)
class SharedRequest:
    """What a group runs: the operation of its first member."""

    query: str
    variables: dict[str, object] | None
    operation_name: str | None


@lru_cache(maxsize=512)
def subscription_document(
    schema: GraphQLSchema, query: str, operation_name: str | None, max_tokens: int
) -> DocumentNode | None:
    """The parsed document when it is valid and its selected operation a subscription; None
    otherwise (strawberry's own path then answers, with its errors)."""
    try:
        document = parse(query, no_location=True, max_tokens=max_tokens)
        operation = get_operation_ast(document, operation_name)
        if operation is None or operation.operation != OperationType.SUBSCRIPTION:
            return None
        if validate(schema, document):
            return None
    except (GraphQLError, RecursionError, ValueError):
        return None
    return document


def key_of(
    schema: GraphQLSchema,
    query: str,
    operation_name: str | None,
    variables: dict[str, object] | None,
    context: Context,
) -> tuple[Key, DocumentNode] | None:
    """The group key of a subscription, and its document; None when it cannot be shared (not
    a valid subscription, variables that do not encode)."""
    document = subscription_document(
        schema, query, operation_name, context.settings.graphql_max_tokens
    )
    if document is None:
        return None
    try:
        encoded = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    caller = dataclasses.replace(context.actor, token_id=None, expires_at=None)
    return (query, operation_name, encoded, caller, context.locale), document


class _Group:
    """One running subscription and the operations (of any connection) that share it."""

    def __init__(self, key: Key, members: dict[int, asyncio.Queue[Item]]) -> None:
        self.key = key
        self.members = members
        self.task: asyncio.Task[None] | None = None

    def broadcast(self, item: Item) -> None:
        for queue in list(self.members.values()):
            if queue.full():
                queue.get_nowait()  # a member that does not keep up loses its oldest result
            queue.put_nowait(item)


class SharedStreams:
    """The groups of this process (one per API process: graphql/ws.py)."""

    def __init__(self, schema: C2CSchema, encode_json: Callable[[object], str | bytes]) -> None:
        self.schema = schema
        self.encode_json = encode_json
        self._groups: dict[Key, _Group] = {}

    def group_count(self) -> int:
        return len(self._groups)

    def group_keys(self) -> list[Key]:
        return list(self._groups)

    def member_count(self, key: Key) -> int:
        group = self._groups.get(key)
        return 0 if group is None else len(group.members)

    @asynccontextmanager
    async def join(
        self,
        key: Key,
        request: SharedRequest,
        make_context: Callable[[], Context],
    ) -> AsyncIterator[asyncio.Queue[Item]]:
        """A queue of the group's results for one operation, from now on; leaving it leaves
        the group (its subscription stops with its last member)."""
        queue: asyncio.Queue[Item] = asyncio.Queue(maxsize=MAX_QUEUE)
        group = self._groups.get(key)
        if group is None:
            group = _Group(key, {})
            self._groups[key] = group
            group.task = asyncio.get_running_loop().create_task(
                self._run(group, request, make_context),
                name="c2c-shared-subscription",
            )
        group.members[id(queue)] = queue
        try:
            yield queue
        finally:
            group.members.pop(id(queue), None)
            if not group.members:
                self._forget(group)
                task = group.task
                if task is not None and not task.done():
                    task.cancel()
                    # Its cleanup (the broker channel, the context) before this operation ends;
                    # a cancellation of this operation meanwhile still propagates.
                    await asyncio.wait({task})

    def _forget(self, group: _Group) -> None:
        if self._groups.get(group.key) is group:
            del self._groups[group.key]

    async def _run(
        self,
        group: _Group,
        request: SharedRequest,
        make_context: Callable[[], Context],
    ) -> None:
        context = make_context()
        try:
            source = await self.schema.stream(
                request.query,
                variable_values=request.variables,
                context_value=context,
                root_value=None,
                operation_name=request.operation_name,
            )
            async with aclosing(source):
                first = True
                async for result in source:
                    if first and isinstance(result, PreExecutionError):
                        self._end(group, ("error", result.errors or []))
                        return
                    if not isinstance(result, ExecutionResult):
                        error = GraphQLError(
                            "Incremental delivery is not supported over graphql-transport-ws"
                        )
                        self._end(group, ("error", [error]))
                        return
                    first = False
                    group.broadcast(("next", self._encode(result)))
            self._end(group, ("complete",))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("shared subscription failed")
            self._end(group, ("complete",))
        finally:
            await context.close()

    def _end(self, group: _Group, item: Item) -> None:
        # A subscription that ended is not joined again: a new operation starts a new one.
        self._forget(group)
        group.broadcast(item)

    def _encode(self, result: ExecutionResult) -> str:
        payload: dict[str, object] = {"data": result.data}
        if result.errors:
            payload["errors"] = [error.formatted for error in result.errors]
        if result.extensions:
            payload["extensions"] = result.extensions
        encoded = self.encode_json(payload)
        return encoded.decode() if isinstance(encoded, bytes) else encoded


def next_frame(operation_id: str, payload: str) -> str:
    """The graphql-transport-ws `next` message of an encoded payload."""
    return f'{{"id":{json.dumps(operation_id)},"type":"next","payload":{payload}}}'
