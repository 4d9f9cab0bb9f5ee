"""Matrix entries of search and saved searches."""

from __future__ import annotations

from authz_matrix.entry import PUBLIC, Entry

_NIL_SAVED_SEARCH = "U2F2ZWRTZWFyY2g6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw"

ENTRIES: dict[str, Entry] = {
    # ---- queries
    "Query.listings": Entry(
        PUBLIC,
        '{ listings(query: "bike", first: 5) { edges { cursor node { id } } totalCount } }',
    ),
    "Query.savedSearches": Entry(
        [["account:read"]], "{ savedSearches(first: 5) { edges { node { id name } } } }"
    ),
    # ---- mutations
    "Mutation.saveSearch": Entry(
        [["account:write"]],
        'mutation { saveSearch(input: {name: "Bikes", query: "bike"}) { __typename } }',
    ),
    "Mutation.deleteSavedSearch": Entry(
        [["account:write"]],
        f'mutation {{ deleteSavedSearch(id: "{_NIL_SAVED_SEARCH}") {{ __typename }} }}',
    ),
}
