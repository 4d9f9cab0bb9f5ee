"""Matrix entries of trust: the dry-run check of scam warnings on a message."""

from __future__ import annotations

from authz_matrix.entry import Entry

ENTRIES: dict[str, Entry] = {
    # ---- queries
    "Query.messageWarnings": Entry(
        [["messages:write"]], '{ messageWarnings(text: "Hello") { flag reason excerpt } }'
    ),
}
