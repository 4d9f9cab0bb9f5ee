"""Request-scoped DataLoaders, built on services' batched read functions."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context

T = TypeVar("T")

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
