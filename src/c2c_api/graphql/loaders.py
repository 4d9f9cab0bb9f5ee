"""Request-scoped DataLoaders, built on services' batched read functions."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context

T = TypeVar("T")
R = TypeVar("R")

BatchFn = Callable[["Context", Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, Any]]]


def loader(ctx: Context, name: str, batch: BatchFn) -> DataLoader[uuid.UUID, Any]:
    """The request's DataLoader called `name`, created on first use.

    `batch(ctx, ids)` returns a mapping of the rows it found (those the caller may see);
    missing ids load as None.
    """
    existing = ctx.loaders.get(name)
    if existing is not None:
        return existing

    async def load(ids: list[uuid.UUID]) -> list[Any]:
        found = await batch(ctx, ids)
        return [found.get(i) for i in ids]

    created: DataLoader[uuid.UUID, Any] = DataLoader(load_fn=load)
    ctx.loaders[name] = created
    return created


def parse_node_ids(node_ids: Iterable[object]) -> list[uuid.UUID | None]:
    """The UUIDs of Relay node ids, None where an id is not one (it then resolves to null)."""
    parsed: list[uuid.UUID | None] = []
    for raw in node_ids:
        try:
            parsed.append(uuid.UUID(str(raw)))
        except ValueError:
            parsed.append(None)
    return parsed


def settle(pending: Awaitable[T], convert: Callable[[T], R]) -> R | Awaitable[R]:
    """`convert` of a loader's value: at once when the loader already holds it, else later.

    A field resolver that returns this is synchronous on a primed page (see `selected_under`):
    graphql-core then makes no coroutine and no task for the field, the bulk of what an async
    field costs. Elsewhere it returns an awaitable, which graphql-core awaits as usual.
    """
    if isinstance(pending, asyncio.Future) and pending.done():
        return convert(pending.result())

    async def later() -> R:
        return convert(await pending)

    return later()


def selected_under(info: Info, *path: str) -> set[str]:
    """Names of the fields selected at `path` below the current field (fragments included).

    `selected_under(info, "edges", "node")` on a connection field: what each node asks for,
    whatever the fragments or aliases; a field under @skip/@include counts as selected.
    """
    # info.selected_fields holds the current field itself (once per node naming it).
    level: list[Selection] = [s for field in info.selected_fields for s in field.selections]
    for name in (*path, None):
        names: set[str] = set()
        below: list[Selection] = []
        stack = list(level)
        while stack:
            selection = stack.pop()
            if isinstance(selection, (FragmentSpread, InlineFragment)):
                stack.extend(selection.selections)
            elif isinstance(selection, SelectedField):
                names.add(selection.name)
                if selection.name == name:
                    below.extend(selection.selections)
        if name is None:
            return names
        level = below
    return set()  # pragma: no cover - the loop returns at the end of the path
