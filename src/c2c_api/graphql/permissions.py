"""Scope requirements declared on fields, visible in the SDL, checked in one place.

Every root field (Query, Mutation, Subscription) must carry `requires(...)` or `public()`:
`build_schema` refuses to start otherwise (deny by default). The check itself is
`authz.check_scopes`; ownership and tenancy are decided by services through authz.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry
from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.schema_directive import Location
from strawberry.types import Info

from c2c_api.authz import SCOPES, check_scopes


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="requiresScopes",
    description=(
        "The OAuth scopes a caller's token must hold to use this field: any one of the inner "
        "lists, with every scope of that list (as Apollo Federation's @requiresScopes). "
        "Root fields without it are open to every caller, anonymous visitors included."
    ),
)
class RequiresScopesDirective:
    scopes: list[list[str]]


class ScopePermission(BasePermission):
    """Passes when the caller holds one alternative of scopes; raises a typed error otherwise."""

    def __init__(self, alternatives: Sequence[Sequence[str]]) -> None:
        self.alternatives = [list(a) for a in alternatives]
        self._schema_directive = (  # type: ignore[misc]
            RequiresScopesDirective(scopes=self.alternatives) if self.alternatives else None
        )

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        # Raises Unauthenticated / InsufficientScope, mapped to a typed GraphQL error.
        check_scopes(info.context.actor, self.alternatives)
        return True


def requires(*alternatives: str | Sequence[str]) -> FieldExtension:
    """`requires("a:b")`, `requires(["a", "b"])` (both), `requires("a", "b")` (either)."""
    alts: list[list[str]] = [[a] if isinstance(a, str) else list(a) for a in alternatives]
    if not alts:
        raise ValueError("requires() needs at least one scope; use public() for open fields")
    for alt in alts:
        for scope in alt:
            if scope not in SCOPES:
                raise ValueError(f"unknown scope {scope!r}")
    return PermissionExtension(permissions=[ScopePermission(alts)], use_directives=True)


def public() -> FieldExtension:
    """An explicitly open field (anonymous visitors included); data is still scoped by authz."""
    return PermissionExtension(permissions=[ScopePermission([])], use_directives=False)


def field_scopes(field: Any) -> list[list[str]] | None:
    """The declared scope alternatives of a strawberry field ([] = public, None = undeclared)."""
    for ext in getattr(field, "extensions", None) or []:
        if isinstance(ext, PermissionExtension):
            for perm in ext.permissions:
                if isinstance(perm, ScopePermission):
                    return perm.alternatives
    return None
