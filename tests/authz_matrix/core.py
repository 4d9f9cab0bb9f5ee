"""Matrix entries of the foundation: members, accounts, partners."""

from __future__ import annotations

from authz_matrix.entry import ANY_GID, PUBLIC, Entry

ENTRIES: dict[str, Entry] = {
    # ---- queries
    "Query.node": Entry(PUBLIC, f'{{ node(id: "{ANY_GID}") {{ id }} }}'),
    "Query.viewer": Entry([["account:read"]], "{ viewer { id email } }"),
    "Query.partner": Entry([["partner:read"]], "{ partner { id slug } }"),
    "Query.partners": Entry(
        [["admin:partners"]], "{ partners(first: 5) { edges { node { id } } } }"
    ),
    # ---- mutations
    "Mutation.signUp": Entry(
        PUBLIC,
        "mutation($i: SignUpInput!) { signUp(input: $i) { __typename } }",
        {
            "i": {
                "email": "matrix@example.com",
                "password": "a long enough password",
                "displayName": "Matrix",
            }
        },
    ),
    "Mutation.verifyEmail": Entry(PUBLIC, 'mutation { verifyEmail(token: "nope") { __typename } }'),
    "Mutation.requestEmailVerification": Entry(
        [["account:write"]], "mutation { requestEmailVerification { __typename } }"
    ),
    "Mutation.requestPasswordReset": Entry(
        PUBLIC, 'mutation { requestPasswordReset(email: "x@example.com") { __typename } }'
    ),
    "Mutation.resetPassword": Entry(
        PUBLIC,
        'mutation { resetPassword(token: "nope", newPassword: "another long one") { __typename } }',
    ),
    "Mutation.changePassword": Entry(
        [["account:write"]],
        'mutation { changePassword(currentPassword: "wrong", newPassword: "another long one")'
        " { __typename } }",
    ),
    "Mutation.updateProfile": Entry(
        [["account:write"]], 'mutation { updateProfile(input: {bio: "hi"}) { __typename } }'
    ),
    "Mutation.createPartner": Entry(
        [["admin:partners"]],
        'mutation { createPartner(input: {slug: "matrix-shop", name: "Matrix"}) { __typename } }',
    ),
}
