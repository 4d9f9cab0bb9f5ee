"""Matrix entries of engagement: photos, favorites, questions."""

from __future__ import annotations

from authz_matrix.entry import ANY_GID, Entry

ENTRIES: dict[str, Entry] = {
    # ---- queries
    "Query.myFavorites": Entry(
        [["account:read"]], "{ myFavorites(first: 5) { edges { node { id } } } }"
    ),
    # ---- mutations
    "Mutation.uploadPhoto": Entry(
        [["listings:write"]],
        "mutation($f: Upload!) { uploadPhoto(file: $f) { __typename } }",
        {"f": "not a file"},
    ),
    "Mutation.addFavorite": Entry(
        [["account:write"]], f'mutation {{ addFavorite(listingId: "{ANY_GID}") {{ __typename }} }}'
    ),
    "Mutation.removeFavorite": Entry(
        [["account:write"]],
        f'mutation {{ removeFavorite(listingId: "{ANY_GID}") {{ __typename }} }}',
    ),
    "Mutation.askQuestion": Entry(
        [["messages:write"]],
        f'mutation {{ askQuestion(listingId: "{ANY_GID}", body: "Still on?") {{ __typename }} }}',
    ),
    "Mutation.answerQuestion": Entry(
        [["listings:write"]],
        f'mutation {{ answerQuestion(questionId: "{ANY_GID}", answer: "Yes") {{ __typename }} }}',
    ),
    "Mutation.hideQuestion": Entry(
        [["listings:write"], ["admin:moderation"], ["partner:catalog"]],
        f'mutation {{ hideQuestion(questionId: "{ANY_GID}") {{ __typename }} }}',
    ),
}
