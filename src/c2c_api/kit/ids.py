"""Relay global ids ("Type:uuid", base64): the UUID inside an id of an expected type.

GraphQL arguments that take a global id are declared as plain `ID` and decoded here, in the
resolver, so that a malformed id (`"abc"`, `""`) or the id of another type (a Question id where
a Listing id is expected) is a typed `InvalidId` (INVALID_ID) naming the argument: a payload's
`UserError` in mutations, `extensions.code` elsewhere. It is never acted on as another row.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Protocol

from c2c_api.errors import InvalidId


class GlobalIdLike(Protocol):
    """strawberry.relay.GlobalID, as far as we read it."""

    @property
    def type_name(self) -> str: ...

    @property
    def node_id(self) -> str: ...


def node_uuid(global_id: GlobalIdLike, *type_names: str) -> uuid.UUID | None:
    """The UUID inside `global_id` when it names one of `type_names`; None otherwise."""
    if global_id.type_name not in type_names:
        return None
    try:
        return uuid.UUID(global_id.node_id)
    except ValueError:
        return None


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
