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
    "Mutation.createListing": Entry(
        [["listings:write"]],
        'mutation { createListing(input: {kind: SALE, title: "T", category: "handbags"})'
        " { __typename } }",
    ),
    "Mutation.updateListing": Entry(
        [["listings:write"]],
        f'mutation {{ updateListing(id: "{_NIL_LISTING}", expectedVersion: 1,'
        ' input: {title: "x"}) { __typename } }',
    ),
    **{
        f"Mutation.{name}": Entry(
            [["listings:write"]], f'mutation {{ {name}(id: "{_NIL_LISTING}") {{ __typename }} }}'
        )
        for name in ("publishListing", "pauseListing", "resumeListing", "closeListing")
    },
    "Mutation.removeListing": Entry(
        [["admin:moderation"], ["partner:catalog"]],
        f'mutation {{ removeListing(id: "{_NIL_LISTING}", reason: "spam") {{ __typename }} }}',
    ),
    "Mutation.restoreListing": Entry(
        [["admin:moderation"], ["partner:catalog"]],
        f'mutation {{ restoreListing(id: "{_NIL_LISTING}") {{ __typename }} }}',
    ),
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
