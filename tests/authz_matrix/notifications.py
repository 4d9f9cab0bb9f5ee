"""Matrix entries of notification preferences."""

from __future__ import annotations

from authz_matrix.entry import Entry

ENTRIES: dict[str, Entry] = {
    # ---- queries
    "Query.myNotificationPreferences": Entry(
        [["account:read"]], "{ myNotificationPreferences { type email } }"
    ),
    # ---- mutations
    "Mutation.setNotificationPreference": Entry(
        [["account:write"]],
        "mutation { setNotificationPreference(type: ORDER_UPDATED, email: false) { __typename } }",
    ),
}
