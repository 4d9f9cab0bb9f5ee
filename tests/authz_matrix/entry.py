"""One row of the authorization matrix: a root field's scopes and a document that calls it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PUBLIC: list[list[str]] = []
# A syntactically valid global id of nothing (a Partner with a nil UUID).
ANY_GID = "UGFydG5lcjowMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA="


@dataclass(frozen=True)
class Entry:
    scopes: list[list[str]]
    document: str
    variables: dict[str, Any] | None = None
