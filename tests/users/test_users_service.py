"""Member use cases: sign-up, e-mail verification, passwords, profile."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.auth.models import LoginSession
from c2c_api.authz import ANONYMOUS
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidEmailToken,
    InvalidInput,
    InvalidState,
    RateLimited,
    Unauthenticated,
    WeakPassword,
)
from c2c_api.i18n import translate
from c2c_api.kit.clock import clock, utcnow
from c2c_api.kit.passwords import verify_password
from c2c_api.kit.secrets import digest
from c2c_api.users import service
from c2c_api.users.models import MailMessage, Member, MemberStatus
from factories import FACTORY_PASSWORD, create_member, create_partner, member_actor

NEW_PASSWORD = "a-brand-new-password"


async def mails_to(session: AsyncSession, address: str) -> list[MailMessage]:
    rows = await session.exec(
        select(MailMessage)
        .where(MailMessage.to_address == address)
        .order_by(col(MailMessage.created_at), col(MailMessage.id))
    )
    return list(rows)


def token_in(mail: MailMessage) -> str:
    found = re.search(r"\?token=([A-Za-z0-9_\-]+)", mail.body_text)
    assert found, mail.body_text
    return found.group(1)


async def sign_up(session: AsyncSession, settings: Settings, **overrides: object) -> Member:
    values: dict[str, object] = {
        "email": "New.Member@Example.COM",
        "password": "correct horse battery",
        "display_name": "  New Member ",
    }
    values.update(overrides)
    return await service.sign_up(session, settings=settings, **values)  # type: ignore[arg-type]


async def login_session(session: AsyncSession, member: Member) -> LoginSession:
    row = LoginSession(
        token_digest=digest(f"s-{member.id}"),
        member_id=member.id,
        expires_at=utcnow() + timedelta(days=1),
    )
    session.add(row)
    await session.flush()
    return row


class TestSignUp:
    async def test_creates_an_unverified_member_with_a_normalised_email(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        member = await sign_up(session, settings)
        assert member.email == "new.member@example.com"
        assert member.display_name == "New Member"
        assert member.locale == "en"
        assert not member.email_verified
        assert member.status == MemberStatus.ACTIVE
        assert await verify_password(member.password_hash, "correct horse battery")

    async def test_queues_a_verification_email_with_a_link(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        member = await sign_up(session, settings)
        [mail] = await mails_to(session, member.email)
        assert mail.subject == "Confirm your e-mail address"
        assert f"{settings.issuer}/account/verify-email?token=" in mail.body_text
        assert mail.status.value == "pending"

    async def test_writes_the_email_in_the_members_language(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        member = await sign_up(session, settings, locale="fr")
        [mail] = await mails_to(session, member.email)
        assert mail.subject == "Confirmez votre adresse e-mail"
        assert "Bonjour New Member" in mail.body_text

    async def test_records_the_storefront(self, session: AsyncSession, settings: Settings) -> None:
        partner = await create_partner(session)
        member = await sign_up(session, settings, partner_id=partner.id)
        assert member.partner_id == partner.id

    async def test_refuses_an_unknown_storefront(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        import uuid

        with pytest.raises(InvalidInput) as caught:
            await sign_up(session, settings, partner_id=uuid.uuid4())
        assert caught.value.fields == ["storefront"]

    async def test_refuses_a_taken_email_in_any_case(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        await create_member(session, email="taken@example.com")
        with pytest.raises(EmailTaken) as caught:
            await sign_up(session, settings, email=" TAKEN@example.com ")
        assert caught.value.fields == ["email"]

    async def test_refuses_a_weak_password(self, session: AsyncSession, settings: Settings) -> None:
        with pytest.raises(WeakPassword) as caught:
            await sign_up(session, settings, password="short")
        assert caught.value.fields == ["password"]
        assert translate(caught.value.message, "fr") == "Utilisez au moins 10 caractères."
        assert (await session.exec(select(func.count()).select_from(Member))).one() == 0

    async def test_refuses_the_email_as_password(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        with pytest.raises(WeakPassword):
            await sign_up(session, settings, email="me@example.com", password="ME@example.com")

    @pytest.mark.parametrize(
        ("overrides", "fields"),
        [
            ({"email": "not-an-address"}, ["email"]),
            ({"email": ""}, ["email"]),
            ({"display_name": "   "}, ["displayName"]),
            ({"display_name": "x" * 61}, ["displayName"]),
            ({"display_name": "bad\x00name"}, ["displayName"]),
            ({"locale": "de"}, ["locale"]),
            (
                {"email": "nope", "display_name": "", "locale": "xx"},
                ["email", "displayName", "locale"],
            ),
        ],
    )
    async def test_refuses_invalid_input(
        self,
        session: AsyncSession,
        settings: Settings,
        overrides: dict[str, object],
        fields: list[str],
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            await sign_up(session, settings, **overrides)
        assert caught.value.fields == fields
        assert not isinstance(caught.value, WeakPassword)
        assert translate(caught.value.message, "fr") != caught.value.message


class TestConcurrentSignUp:
    async def test_two_sign_ups_with_one_email_make_one_account(
        self, db: Database, settings: Settings
    ) -> None:
        started = asyncio.Event()

        async def attempt(first: bool) -> str:
            async with db.write_sessionmaker() as s:
                try:
                    if not first:
                        await started.wait()
                    await sign_up(s, settings, email="race@example.com")
                    if first:
                        started.set()
                        await asyncio.sleep(0.3)  # the other one now runs into our row
                    await s.commit()
                    return "created"
                except EmailTaken:
                    await s.rollback()
                    return "taken"
                finally:
                    started.set()

        outcomes = await asyncio.gather(attempt(True), attempt(False))
        assert sorted(outcomes) == ["created", "taken"]
        async with db.sessionmaker() as s:
            count = await s.exec(
                select(func.count()).select_from(Member).where(Member.email == "race@example.com")
            )
            assert count.one() == 1


class TestVerifyEmail:
    async def test_verifies_with_the_emailed_token(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        member = await sign_up(session, settings)
        [mail] = await mails_to(session, member.email)
        verified = await service.verify_email(session, token=token_in(mail))
        assert verified.id == member.id
        assert verified.email_verified

    async def test_a_token_works_once(self, session: AsyncSession, settings: Settings) -> None:
        member = await sign_up(session, settings)
        [mail] = await mails_to(session, member.email)
        await service.verify_email(session, token=token_in(mail))
        with pytest.raises(InvalidEmailToken):
            await service.verify_email(session, token=token_in(mail))

    async def test_refuses_an_expired_token(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        member = await sign_up(session, settings)
        [mail] = await mails_to(session, member.email)
        clock.freeze(utcnow() + timedelta(seconds=settings.email_token_ttl + 1))
        with pytest.raises(InvalidEmailToken):
            await service.verify_email(session, token=token_in(mail))

    @pytest.mark.parametrize("token", ["", "unknown-token", "x" * 500])
    async def test_refuses_unknown_tokens(self, session: AsyncSession, token: str) -> None:
        with pytest.raises(InvalidEmailToken) as caught:
            await service.verify_email(session, token=token)
        assert caught.value.fields == ["token"]

    async def test_a_reset_token_does_not_verify(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        member = await create_member(session, email_verified_at=None)
        await service.request_password_reset(session, email=member.email, settings=settings)
        [mail] = await mails_to(session, member.email)
        with pytest.raises(InvalidEmailToken):
            await service.verify_email(session, token=token_in(mail))


class TestRequestEmailVerification:
    async def test_sends_a_new_link_that_works(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        member = await create_member(session, email_verified_at=None, locale="fr")
        await service.request_email_verification(session, member_actor(member), settings=settings)
        [mail] = await mails_to(session, member.email)
        assert mail.subject == "Confirmez votre adresse e-mail"
        assert (await service.verify_email(session, token=token_in(mail))).email_verified

    async def test_refuses_when_already_verified(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        member = await create_member(session)
        with pytest.raises(InvalidState):
            await service.request_email_verification(
                session, member_actor(member), settings=settings
            )

    async def test_limits_the_number_of_emails(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        member = await create_member(session, email_verified_at=None)
        for _ in range(service.EMAILS_PER_HOUR):
            await service.request_email_verification(
                session, member_actor(member), settings=settings
            )
        with pytest.raises(RateLimited):
            await service.request_email_verification(
                session, member_actor(member), settings=settings
            )
        assert len(await mails_to(session, member.email)) == service.EMAILS_PER_HOUR

    async def test_needs_a_member(self, session: AsyncSession, settings: Settings) -> None:
        with pytest.raises(Unauthenticated):
            await service.request_email_verification(session, ANONYMOUS, settings=settings)


class TestRequestPasswordReset:
    async def test_emails_a_reset_link(self, session: AsyncSession, settings: Settings) -> None:
        member = await create_member(session, email="reset@example.com")
        await service.request_password_reset(session, email=" Reset@Example.com", settings=settings)
        [mail] = await mails_to(session, member.email)
        assert mail.subject == "Reset your password"
        assert f"{settings.issuer}/account/reset-password?token=" in mail.body_text

    async def test_is_silent_for_an_unknown_address(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        await service.request_password_reset(session, email="nobody@example.com", settings=settings)
        assert (await session.exec(select(func.count()).select_from(MailMessage))).one() == 0

    async def test_is_silent_for_a_suspended_member(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        member = await create_member(session, status=MemberStatus.SUSPENDED)
        await service.request_password_reset(session, email=member.email, settings=settings)
        assert await mails_to(session, member.email) == []

    async def test_stops_sending_after_the_hourly_limit(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        member = await create_member(session)
        for _ in range(service.EMAILS_PER_HOUR + 2):
            await service.request_password_reset(session, email=member.email, settings=settings)
        assert len(await mails_to(session, member.email)) == service.EMAILS_PER_HOUR

    async def test_refuses_a_malformed_address(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            await service.request_password_reset(session, email="nope", settings=settings)
        assert caught.value.fields == ["email"]


class TestResetPassword:
    async def _reset_token(self, session: AsyncSession, settings: Settings, member: Member) -> str:
        await service.request_password_reset(session, email=member.email, settings=settings)
        return token_in((await mails_to(session, member.email))[-1])

    async def test_sets_the_new_password_and_signs_out_everywhere(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        member = await create_member(session, email_verified_at=None)
        browser = await login_session(session, member)
        token = await self._reset_token(session, settings, member)
        done = await service.reset_password(session, token=token, new_password=NEW_PASSWORD)
        assert await verify_password(done.password_hash, NEW_PASSWORD)
        assert done.email_verified  # the link proved the mailbox
        await session.refresh(browser)
        assert browser.revoked_at is not None
        subjects = [m.subject for m in await mails_to(session, member.email)]
        assert subjects == ["Reset your password", "Your password was changed"]

    async def test_a_token_works_once(self, session: AsyncSession, settings: Settings) -> None:
        member = await create_member(session)
        token = await self._reset_token(session, settings, member)
        await service.reset_password(session, token=token, new_password=NEW_PASSWORD)
        with pytest.raises(InvalidEmailToken):
            await service.reset_password(session, token=token, new_password="another-password-1")

    async def test_a_new_reset_makes_older_links_useless_once_used(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        member = await create_member(session)
        first = await self._reset_token(session, settings, member)
        second = await self._reset_token(session, settings, member)
        await service.reset_password(session, token=second, new_password=NEW_PASSWORD)
        with pytest.raises(InvalidEmailToken):
            await service.reset_password(session, token=first, new_password="another-password-1")

    async def test_refuses_an_expired_token(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        member = await create_member(session)
        token = await self._reset_token(session, settings, member)
        clock.freeze(utcnow() + timedelta(seconds=settings.password_reset_ttl + 1))
        with pytest.raises(InvalidEmailToken):
            await service.reset_password(session, token=token, new_password=NEW_PASSWORD)

    async def test_a_weak_password_leaves_the_link_usable(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        member = await create_member(session)
        token = await self._reset_token(session, settings, member)
        with pytest.raises(WeakPassword) as caught:
            await service.reset_password(session, token=token, new_password="aaaaaaaaaaaa")
        assert caught.value.fields == ["newPassword"]
        await service.reset_password(session, token=token, new_password=NEW_PASSWORD)

    async def test_refuses_a_verification_token(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        member = await sign_up(session, settings)
        [mail] = await mails_to(session, member.email)
        with pytest.raises(InvalidEmailToken):
            await service.reset_password(session, token=token_in(mail), new_password=NEW_PASSWORD)


class TestChangePassword:
    async def test_changes_it_and_revokes_every_session(self, session: AsyncSession) -> None:
        member = await create_member(session)
        browser = await login_session(session, member)
        changed = await service.change_password(
            session,
            member_actor(member),
            current_password=FACTORY_PASSWORD,
            new_password=NEW_PASSWORD,
        )
        assert await verify_password(changed.password_hash, NEW_PASSWORD)
        await session.refresh(browser)
        assert browser.revoked_at is not None
        [mail] = await mails_to(session, member.email)
        assert mail.subject == "Your password was changed"

    async def test_refuses_a_wrong_current_password(self, session: AsyncSession) -> None:
        member = await create_member(session)
        with pytest.raises(InvalidCredentials) as caught:
            await service.change_password(
                session,
                member_actor(member),
                current_password="wrong-password-0",
                new_password=NEW_PASSWORD,
            )
        assert caught.value.fields == ["currentPassword"]

    async def test_refuses_a_weak_new_password(self, session: AsyncSession) -> None:
        member = await create_member(session)
        with pytest.raises(WeakPassword):
            await service.change_password(
                session, member_actor(member), current_password=FACTORY_PASSWORD, new_password="x"
            )

    async def test_needs_a_member(self, session: AsyncSession) -> None:
        with pytest.raises(Unauthenticated):
            await service.change_password(
                session, ANONYMOUS, current_password="a", new_password=NEW_PASSWORD
            )


class TestUpdateProfile:
    async def test_changes_only_the_given_fields(self, session: AsyncSession) -> None:
        member = await create_member(session, bio="old bio", city="Lyon")
        updated = await service.update_profile(
            session,
            member_actor(member),
            display_name=" Renamed ",
            avatar_url="https://img.example.com/a.png",
            locale="FR",
            country="fr",
        )
        assert updated.display_name == "Renamed"
        assert updated.avatar_url == "https://img.example.com/a.png"
        assert updated.locale == "fr"
        assert updated.country == "FR"
        assert updated.bio == "old bio"
        assert updated.city == "Lyon"

    async def test_an_empty_string_clears_optional_fields(self, session: AsyncSession) -> None:
        member = await create_member(
            session, avatar_url="https://x.example/a.png", country="FR", city="Lyon"
        )
        updated = await service.update_profile(
            session, member_actor(member), avatar_url="", country="", city=" "
        )
        assert (updated.avatar_url, updated.country, updated.city) == (None, None, None)

    @pytest.mark.parametrize(
        ("changes", "fields"),
        [
            ({"display_name": " "}, ["displayName"]),
            ({"bio": "b" * 2001}, ["bio"]),
            ({"avatar_url": "http://img.example.com/a.png"}, ["avatarUrl"]),
            ({"avatar_url": "javascript:alert(1)"}, ["avatarUrl"]),
            ({"avatar_url": "https://"}, ["avatarUrl"]),
            ({"locale": "es"}, ["locale"]),
            ({"country": "XX"}, ["country"]),
            ({"country": "EU"}, ["country"]),
            ({"country": "FRA"}, ["country"]),
            ({"city": "c" * 101}, ["city"]),
            ({"country": "ZZ", "city": "c" * 101}, ["country", "city"]),
        ],
    )
    async def test_refuses_invalid_values(
        self, session: AsyncSession, changes: dict[str, str], fields: list[str]
    ) -> None:
        member = await create_member(session, display_name="Kept")
        with pytest.raises(InvalidInput) as caught:
            await service.update_profile(session, member_actor(member), **changes)
        assert caught.value.fields == fields
        assert translate(caught.value.message, "fr") != caught.value.message
        await session.refresh(member)
        assert member.display_name == "Kept"

    async def test_needs_a_member(self, session: AsyncSession) -> None:
        with pytest.raises(Unauthenticated):
            await service.update_profile(session, ANONYMOUS, display_name="x")


class TestSetOperator:
    async def test_grants_and_withdraws_the_role(self, session: AsyncSession) -> None:
        member = await create_member(session, email="staff@example.com")
        assert (await service.set_operator(session, email="Staff@example.com")).is_operator
        withdrawn = await service.set_operator(session, email=member.email, is_operator=False)
        assert not withdrawn.is_operator
