"""Matrix entries of listings and categories."""

from __future__ import annotations

from authz_matrix.entry import PUBLIC, Entry

_NIL_LISTING = "U2FsZUxpc3Rpbmc6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw"

ENTRIES: dict[str, Entry] = {
    # ---- queries
    "Query.categories": Entry(PUBLIC, "{ categories { slug name } }"),
    "Query.category": Entry(PUBLIC, '{ category(slug: "fashion") { slug } }'),
    "Query.myListings": Entry(
        [["listings:write"]], "{ myListings(first: 5) { edges { node { id } } } }"
    ),
    "Query.storefrontListings": Entry(
        [["partner:catalog"]], "{ storefrontListings(first: 5) { edges { node { id } } } }"
    ),
    # ---- mutations
    "Mutation.createCategory": Entry(
        [["admin:catalog"]],
        'mutation { createCategory(input: {slug: "matrix-cat", nameEn: "M", nameFr: "M",'
        " kinds: [SALE]}) { __typename } }",
    ),
    "Mutation.updateCategory": Entry(
        [["admin:catalog"]],
        'mutation { updateCategory(input: {slug: "nope", nameEn: "X"}) { __typename } }',
    ),
    "Mutation.retireCategory": Entry(
        [["admin:catalog"]], 'mutation { retireCategory(slug: "nope") { __typename } }'
    ),
}
