"""Member mutations over HTTP: typed payloads, scopes, anonymous paths."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlmodel import col, select

from auth_factories import PASSWORD, bearer, create_member, create_member_with_token
from c2c_api.db import Database
from c2c_api.users.models import MailMessage, Member

SIGN_UP = """
mutation($input: SignUpInput!) {
  signUp(input: $input) {
    __typename
    ... on SignUpSuccess { member { id displayName email storefront { slug } } }
    ... on UserError { code message fields }
  }
}"""
VERIFY = """
mutation($token: String!) {
  verifyEmail(token: $token) {
    __typename
    ... on VerifyEmailSuccess { member { displayName } }
    ... on UserError { code fields }
  }
}"""
REQUEST_RESET = """
mutation($email: String!) {
  requestPasswordReset(email: $email) {
    __typename
    ... on RequestPasswordResetSuccess { accepted }
    ... on UserError { code fields }
  }
}"""
RESET = """
mutation($token: String!, $password: String!) {
  resetPassword(token: $token, newPassword: $password) {
    __typename
    ... on ResetPasswordSuccess { member { displayName } }
    ... on UserError { code message fields }
  }
}"""
CHANGE = """
mutation($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new) {
    __typename
    ... on UserError { code fields }
  }
}"""
RESEND = """
mutation { requestEmailVerification {
  __typename
  ... on RequestEmailVerificationSuccess { email }
  ... on UserError { code }
} }"""
UPDATE = """
mutation($input: UpdateProfileInput!) {
  updateProfile(input: $input) {
    __typename
    ... on UpdateProfileSuccess { member { displayName country avatarUrl } }
    ... on UserError { code message fields }
  }
}"""


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def last_token(db: Database, address: str) -> str:
    async with db.sessionmaker() as session:
        rows = await session.exec(
            select(MailMessage)
            .where(MailMessage.to_address == address)
            .order_by(col(MailMessage.created_at).desc())
        )
        mail = rows.first()
    assert mail is not None
    found = re.search(r"\?token=([A-Za-z0-9_\-]+)", mail.body_text)
    assert found
    return found.group(1)


def sign_up_input(**overrides: Any) -> dict[str, Any]:
    values = {"email": "new@example.com", "password": "a fine password", "displayName": "New"}
    values.update(overrides)
    return {"input": values}


class TestSignUpMutation:
    async def test_anonymous_visitors_sign_up_and_verify(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        body = await gql(client, SIGN_UP, sign_up_input())
        payload = body["data"]["signUp"]
        assert payload["__typename"] == "SignUpSuccess"
        assert payload["member"]["displayName"] == "New"
        assert payload["member"]["email"] is None  # anonymous callers see no e-mail
        token = await last_token(db, "new@example.com")
        verified = (await gql(client, VERIFY, {"token": token}))["data"]["verifyEmail"]
        assert verified == {"__typename": "VerifyEmailSuccess", "member": {"displayName": "New"}}
        again = (await gql(client, VERIFY, {"token": token}))["data"]["verifyEmail"]
        assert again == {"__typename": "UserError", "code": "INVALID_TOKEN", "fields": ["token"]}

    async def test_signs_up_through_a_storefront(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        from auth_factories import create_partner

        await create_partner(db, slug="vintage-lyon")
        body = await gql(client, SIGN_UP, sign_up_input(storefront="vintage-lyon"))
        assert body["data"]["signUp"]["member"]["storefront"] == {"slug": "vintage-lyon"}
        unknown = await gql(client, SIGN_UP, sign_up_input(email="b@example.com", storefront="no"))
        assert unknown["data"]["signUp"]["fields"] == ["storefront"]

    async def test_a_taken_email_is_a_typed_error_and_changes_nothing(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await create_member(db, email="taken@example.com")
        body = await gql(client, SIGN_UP, sign_up_input(email="Taken@example.com"))
        assert body["data"]["signUp"]["code"] == "EMAIL_TAKEN"
        assert body["data"]["signUp"]["fields"] == ["email"]
        async with db.sessionmaker() as session:
            assert len(list(await session.exec(select(Member)))) == 1
            assert list(await session.exec(select(MailMessage))) == []

    async def test_errors_are_translated(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/graphql",
            json={"query": SIGN_UP, "variables": sign_up_input(password="short")},
            headers={"Accept-Language": "fr-FR,fr;q=0.9"},
        )
        payload = response.json()["data"]["signUp"]
        assert payload["code"] == "WEAK_PASSWORD"
        assert payload["fields"] == ["password"]
        assert payload["message"] == "Utilisez au moins 10 caractères."

    async def test_invalid_fields_are_named(self, client: httpx.AsyncClient) -> None:
        body = await gql(client, SIGN_UP, sign_up_input(email="nope", displayName=" ", locale="de"))
        payload = body["data"]["signUp"]
        assert payload["code"] == "INVALID_INPUT"
        assert payload["fields"] == ["email", "displayName", "locale"]


class TestPasswordResetMutations:
    async def test_the_answer_is_the_same_for_unknown_addresses(
        self, client: httpx.AsyncClient
    ) -> None:
        body = await gql(client, REQUEST_RESET, {"email": "nobody@example.com"})
        assert body["data"]["requestPasswordReset"] == {
            "__typename": "RequestPasswordResetSuccess",
            "accepted": True,
        }

    async def test_resets_with_the_emailed_token(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        member = await create_member(db, email="forgot@example.com", display_name="Forgot")
        await gql(client, REQUEST_RESET, {"email": member.email})
        token = await last_token(db, member.email)
        weak = await gql(client, RESET, {"token": token, "password": "weak"})
        assert weak["data"]["resetPassword"]["code"] == "WEAK_PASSWORD"
        done = await gql(client, RESET, {"token": token, "password": "a-new-password-1"})
        assert done["data"]["resetPassword"]["__typename"] == "ResetPasswordSuccess"


class TestAuthenticatedMutations:
    async def test_anonymous_callers_cannot_change_a_password(
        self, client: httpx.AsyncClient
    ) -> None:
        body = await gql(client, CHANGE, {"current": "x", "new": "a-new-password-1"})
        assert body["data"] == {"changePassword": None}  # mutation fields are nullable
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    async def test_change_password_needs_account_write(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["account:read"])
        body = await gql(client, CHANGE, {"current": PASSWORD, "new": "x"}, bearer(token))
        assert body["errors"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"

    async def test_change_password_revokes_the_token_in_use(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["account:write"])
        wrong = await gql(client, CHANGE, {"current": "wrong", "new": "x" * 12}, bearer(token))
        assert wrong["data"]["changePassword"] == {
            "__typename": "UserError",
            "code": "INVALID_CREDENTIALS",
            "fields": ["currentPassword"],
        }
        ok = await gql(
            client, CHANGE, {"current": PASSWORD, "new": "a-new-password-1"}, bearer(token)
        )
        assert ok["data"]["changePassword"]["__typename"] == "ChangePasswordSuccess"
        after = await client.post(
            "/graphql", json={"query": "{ viewer { id } }"}, headers=bearer(token)
        )
        assert after.status_code == 401

    async def test_request_email_verification(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        member, token = await create_member_with_token(db, scopes=["account:write"])
        body = await gql(client, RESEND, headers=bearer(token))
        assert body["data"]["requestEmailVerification"]["code"] == "INVALID_STATE"
        async with db.transaction() as session:
            row = await session.get(Member, member.id)
            assert row is not None
            row.email_verified_at = None
            session.add(row)
        body = await gql(client, RESEND, headers=bearer(token))
        assert body["data"]["requestEmailVerification"] == {
            "__typename": "RequestEmailVerificationSuccess",
            "email": member.email,
        }

    async def test_update_profile_validates(self, client: httpx.AsyncClient, db: Database) -> None:
        _, token = await create_member_with_token(db, scopes=["account:write"])
        bad = await gql(
            client, UPDATE, {"input": {"avatarUrl": "http://x.example/a.png"}}, bearer(token)
        )
        assert bad["data"]["updateProfile"]["fields"] == ["avatarUrl"]
        ok = await gql(
            client, UPDATE, {"input": {"displayName": "Zoé", "country": "fr"}}, bearer(token)
        )
        assert ok["data"]["updateProfile"]["member"] == {
            "displayName": "Zoé",
            "country": "FR",
            "avatarUrl": None,
        }
