"""The authorization matrix table, one module per domain (each defines ENTRIES).

Add a module here for a new domain and list it in MODULES below.
"""

from __future__ import annotations

from importlib import import_module

from authz_matrix.entry import Entry

MODULES = [
    "conversations",
    "core",
    "deals",
    "engagement",
    "listings",
    "notifications",
    "ratings",
    "search",
    "subscriptions",
    "trust",
]


def all_entries() -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for name in MODULES:
        module = import_module(f"authz_matrix.{name}")
        for field, entry in module.ENTRIES.items():
            assert field not in entries, f"{field} is classified twice"
            entries[field] = entry
    return entries
