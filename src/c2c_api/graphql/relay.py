"""Relay helpers shared by every domain's GraphQL adapter: connections and global ids.

Connections: `connection(info, page, scope=..., node=..., key=..., after=...)` turns a keyset
page (c2c_api.kit.keyset.Page) into a Relay connection whose cursors are signed for one scope
(its schema coordinate, e.g. "Query.partners"), so a cursor of one list is refused by another
(`decode_cursor`: INVALID_CURSOR).

Global ids ("Type:uuid", base64): GraphQL arguments that take a global id are declared as plain
`ID` and decoded here, in the resolver, so that a malformed id (`"abc"`, `""`) or the id of
another type (a Question id where a Listing id is expected) is a typed `InvalidId` (INVALID_ID)
naming the argument: a payload's `UserError` in mutations, `extensions.code` elsewhere. It is
never acted on as another row.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from strawberry import relay
from strawberry.types import Info

from c2c_api.errors import InvalidCursor, InvalidId
from c2c_api.kit import cursors
from c2c_api.kit.keyset import Position

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
N = TypeVar("N", bound=relay.Node)


class PageLike(Protocol[T_co]):
    """A keyset page (c2c_api.kit.keyset.Page or a domain's own): items, and whether more follow."""

    @property
    def items(self) -> Sequence[T_co]: ...

    @property
    def has_next(self) -> bool: ...


# --- keyset cursors: opaque and signed, (created_at, id) inside -------------------------------


def _secret(info: Info) -> str:
    ctx: Context = info.context
    return ctx.settings.secret_key


def encode_cursor(info: Info, scope: str, created_at: datetime, ident: uuid.UUID) -> str:
    """The signed cursor of one row of the connection `scope`."""
    return cursors.encode_position(_secret(info), scope, created_at, ident)


def decode_cursor(info: Info, scope: str, cursor: str | None) -> Position | None:
    """The position a cursor points at (UTC); INVALID_CURSOR unless issued for `scope`."""
    if cursor is None:
        return None
    try:
        return cursors.decode_position(_secret(info), scope, cursor)
    except cursors.CursorError as exc:
        raise InvalidCursor(fields=["after"]) from exc


def connection(
    info: Info,
    page: PageLike[T],
    *,
    scope: str,
    node: Callable[[T], N],
    key: Callable[[T], tuple[datetime, uuid.UUID]],
    after: str | None,
) -> relay.Connection[N]:
    """A Relay connection for one keyset page (cursors signed for `scope`)."""
    secret = _secret(info)
    edges = [
        relay.Edge(node=node(r), cursor=cursors.encode_position(secret, scope, *key(r)))
        for r in page.items
    ]
    return relay.Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


# --- global ids ----------------------------------------------------------------------------------


class GlobalIdLike(Protocol):
    """strawberry.relay.GlobalID, as far as we read it."""

    @property
    def type_name(self) -> str: ...

    @property
    def node_id(self) -> str: ...


def decode_global_id(value: str) -> tuple[str, str] | None:
    """(type name, node id) of a well-formed global id; None when it is not one."""
    try:
        text = base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    type_name, sep, node_id = text.partition(":")
    if not sep or not type_name or not node_id:
        return None
    return type_name, node_id


def global_id_uuid(value: str | GlobalIdLike, *type_names: str, field: str) -> uuid.UUID:
    """The UUID inside the global id `value` of one of `type_names`, else InvalidId on `field`."""
    if isinstance(value, str):
        decoded = decode_global_id(value)
        type_name, node_id = decoded if decoded is not None else ("", "")
    else:
        type_name, node_id = value.type_name, value.node_id
    if type_name in type_names:
        try:
            return uuid.UUID(node_id)
        except ValueError:
            pass
    raise InvalidId(fields=[field], context={"expectedTypes": sorted(type_names)})
