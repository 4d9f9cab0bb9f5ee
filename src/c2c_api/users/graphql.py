"""GraphQL types and entry points of members."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info
from strawberry.types.base import get_object_definition
from strawberry.types.lazy_type import LazyType

from c2c_api import authz
from c2c_api.auth.sessions import client_address
from c2c_api.errors import InvalidId
from c2c_api.graphql.errors import UserError, mutation_payload, payload_of_use_case
from c2c_api.graphql.loaders import loader, parse_node_ids
from c2c_api.graphql.permissions import public, requires
from c2c_api.graphql.relay import decode_global_id
from c2c_api.users import accounts, service
from c2c_api.users.models import Member

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context
    from c2c_api.partners.graphql import PartnerType
    from c2c_api.ratings.graphql import RatedRoleEnum, RatingType, ReputationType


# partners builds on members (Partner.members), so this module does not import partners: the
# Partner type is strawberry's lazy reference, resolved at schema build and, here, at run time.
_PARTNER_TYPE: LazyType[Any, Any] = LazyType("PartnerType", "c2c_api.partners.graphql")
# Likewise ratings (a rating's rater and rated are members).
_RATING_TYPE: LazyType[Any, Any] = LazyType("RatingType", "c2c_api.ratings.graphql")
_REPUTATION_TYPE: LazyType[Any, Any] = LazyType("ReputationType", "c2c_api.ratings.graphql")


async def _members_batch(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Member]:
    return await service.get_members(ctx.session, ids)


def member_loader(info: Info) -> Any:
    return loader(info.context, "members", _members_batch)


@strawberry.type(
    name="Member", description="A member's public profile (every member can buy and sell)."
)
class MemberType(relay.Node):
    id: relay.NodeID[uuid.UUID]
    display_name: str
    bio: str
    avatar_url: str | None
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2 code.")
    city: str | None
    member_since: datetime
    _model: strawberry.Private[Member]

    @classmethod
    def from_model(cls, m: Member) -> MemberType:
        return cls(
            id=m.id,
            display_name=m.display_name,
            bio=m.bio,
            avatar_url=m.avatar_url,
            country=m.country,
            city=m.city,
            member_since=m.created_at,
            _model=m,
        )

    @strawberry.field(
        description=(
            "E-mail address: only for the member themself (account:read) and moderators "
            "(admin:moderation); null otherwise."
        )
    )
    def email(self, info: Info) -> str | None:
        if authz.can_see_private_profile(info.context.actor, self._model.id):
            return self._model.email
        return None

    @strawberry.field(description="Whether the e-mail was verified (same visibility as email).")
    def email_verified(self, info: Info) -> bool | None:
        if authz.can_see_private_profile(info.context.actor, self._model.id):
            return self._model.email_verified
        return None

    @strawberry.field(description="Preferred language (same visibility as email).")
    def locale(self, info: Info) -> str | None:
        if authz.can_see_private_profile(info.context.actor, self._model.id):
            return self._model.locale
        return None

    @strawberry.field(description="The storefront (partner) the member joined through, if any.")
    async def storefront(
        self, info: Info
    ) -> Annotated[PartnerType, strawberry.lazy("c2c_api.partners.graphql")] | None:
        partner_type: Any = _PARTNER_TYPE.resolve_type()
        return await partner_type.for_id(info, self._model.partner_id)

    @strawberry.field(
        description=(
            "Derived from the member's revealed ratings (count, Bayesian average, 90-day trend, "
            "criteria), overall, as seller and as buyer: docs/ratings.md."
        )
    )
    async def reputation(
        self, info: Info
    ) -> Annotated[ReputationType, strawberry.lazy("c2c_api.ratings.graphql")]:
        reputation_type: Any = _REPUTATION_TYPE.resolve_type()
        return await reputation_type.of_member(info, self._model.id)

    @strawberry.field(
        description=(
            "The revealed ratings about the member, newest revealed first (optionally only "
            "those received as SELLER or as BUYER)."
        )
    )
    async def ratings(
        self,
        info: Info,
        role: Annotated[RatedRoleEnum, strawberry.lazy("c2c_api.ratings.graphql")]  # type: ignore[valid-type]
        | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> relay.Connection[Annotated[RatingType, strawberry.lazy("c2c_api.ratings.graphql")]]:
        rating_type: Any = _RATING_TYPE.resolve_type()
        return await rating_type.member_ratings(info, self._model.id, role, first, after)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> Iterable[MemberType | None]:
        ids = parse_node_ids(node_ids)
        load = member_loader(info)
        found = [await load.load(i) if i is not None else None for i in ids]
        return [cls.from_model(m) if m is not None else None for m in found]


@strawberry.input(description="Profile fields to change; omitted fields stay as they are.")
class UpdateProfileInput:
    display_name: str | None = strawberry.field(default=None, description="1 to 60 characters.")
    bio: str | None = strawberry.field(default=None, description="At most 2000 characters.")
    avatar_url: str | None = strawberry.field(
        default=None, description="An https:// URL; an empty string removes the avatar."
    )
    locale: str | None = strawberry.field(default=None, description="`en` or `fr`.")
    country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 code (e.g. FR); an empty string clears it."
    )
    city: str | None = strawberry.field(
        default=None, description="At most 100 characters; an empty string clears it."
    )


@strawberry.type
class UpdateProfileSuccess:
    member: MemberType


UpdateProfilePayload = Annotated[
    UpdateProfileSuccess | UserError, strawberry.union("UpdateProfilePayload")
]


@strawberry.input(description="A new member account.")
class SignUpInput:
    email: str
    password: str = strawberry.field(description="At least 10 characters.")
    display_name: str = strawberry.field(description="1 to 60 characters, shown to others.")
    locale: str = strawberry.field(default="en", description="`en` or `fr`: language of e-mails.")
    storefront: str | None = strawberry.field(
        default=None,
        description="Slug of the partner storefront the member signs up through, if any.",
    )


@strawberry.type(description="The account was created; a verification e-mail is on its way.")
class SignUpSuccess:
    member: MemberType


SignUpPayload = Annotated[SignUpSuccess | UserError, strawberry.union("SignUpPayload")]


@strawberry.type(description="The e-mail address is verified.")
class VerifyEmailSuccess:
    member: MemberType


VerifyEmailPayload = Annotated[
    VerifyEmailSuccess | UserError, strawberry.union("VerifyEmailPayload")
]


@strawberry.type(description="A new verification e-mail is on its way.")
class RequestEmailVerificationSuccess:
    email: str = strawberry.field(description="The address the e-mail was sent to.")


RequestEmailVerificationPayload = Annotated[
    RequestEmailVerificationSuccess | UserError,
    strawberry.union("RequestEmailVerificationPayload"),
]


@strawberry.type(
    description=(
        "Accepted. If an account has this address, a reset link is on its way "
        "(the answer is the same either way)."
    )
)
class RequestPasswordResetSuccess:
    accepted: bool


RequestPasswordResetPayload = Annotated[
    RequestPasswordResetSuccess | UserError, strawberry.union("RequestPasswordResetPayload")
]


@strawberry.type(description="The password was changed; every session of the member ended.")
class ResetPasswordSuccess:
    member: MemberType


ResetPasswordPayload = Annotated[
    ResetPasswordSuccess | UserError, strawberry.union("ResetPasswordPayload")
]


@strawberry.type(
    description=(
        "The password was changed. Every token and login session of the member was revoked, "
        "this one included: sign in again."
    )
)
class ChangePasswordSuccess:
    member: MemberType


ChangePasswordPayload = Annotated[
    ChangePasswordSuccess | UserError, strawberry.union("ChangePasswordPayload")
]


def _node_type(info: Info, value: str) -> tuple[type[relay.Node], str]:
    """The object type and node id named by a global id; INVALID_ID when it names none."""
    decoded = decode_global_id(value)
    if decoded is not None:
        type_name, node_id = decoded
        try:
            node_type = relay.GlobalID(type_name, node_id).resolve_type(info)
            definition = get_object_definition(node_type, strict=True)
            uuid.UUID(node_id)
        except (KeyError, ValueError, AttributeError, TypeError):
            pass
        else:
            if not definition.is_interface:
                return node_type, node_id
    raise InvalidId(fields=["id"])


@strawberry.type
class UserQuery:
    @strawberry.field(
        description="The calling member, or null for anonymous and partner callers.",
        extensions=[requires("account:read")],
    )
    async def viewer(self, info: Info) -> MemberType | None:
        ctx: Context = info.context
        if ctx.actor.member_id is None:
            return None
        member = await member_loader(info).load(ctx.actor.member_id)
        return MemberType.from_model(member) if member is not None else None

    @strawberry.field(
        description=(
            "Any object by its global id (null when it does not exist or is hidden; "
            "INVALID_ID in extensions.code when the id is malformed or names no object type)."
        ),
        extensions=[public()],
    )
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        node_type, node_id = _node_type(info, id)
        nodes = node_type.resolve_nodes(info=info, node_ids=[node_id], required=False)
        if inspect.isawaitable(nodes):
            nodes = await nodes
        return next(iter(nodes), None)


@strawberry.type
class UserMutation:
    @strawberry.mutation(
        description=(
            "Create a member account with e-mail and password; a verification e-mail is sent. "
            "Open to anonymous callers."
        ),
        extensions=[public()],
    )
    @payload_of_use_case
    async def sign_up(self, info: Info, input: SignUpInput) -> SignUpPayload | None:
        ctx: Context = info.context
        member, _ = await accounts.sign_up(
            ctx.db,
            email=input.email,
            password=input.password,
            display_name=input.display_name,
            locale=input.locale,
            storefront=input.storefront,
            address=client_address(ctx.request) if ctx.request is not None else "unknown",
        )
        return SignUpSuccess(member=MemberType.from_model(member))

    @strawberry.mutation(
        description="Confirm an e-mail address with the token of the verification e-mail.",
        extensions=[public()],
    )
    @mutation_payload
    async def verify_email(self, info: Info, token: str) -> VerifyEmailPayload | None:
        member = await service.verify_email(info.context.session, token=token)
        return VerifyEmailSuccess(member=MemberType.from_model(member))

    @strawberry.mutation(
        description="Send the calling member a new verification e-mail.",
        extensions=[requires("account:write")],
    )
    @mutation_payload
    async def request_email_verification(
        self, info: Info
    ) -> RequestEmailVerificationPayload | None:
        ctx: Context = info.context
        await service.request_email_verification(ctx.session, ctx.actor, settings=ctx.settings)
        member = await service.get_member_or_raise(ctx.session, authz.require_member(ctx.actor))
        return RequestEmailVerificationSuccess(email=member.email)

    @strawberry.mutation(
        description=(
            "E-mail a password reset link. Always succeeds for a well-formed address, "
            "whether or not an account has it."
        ),
        extensions=[public()],
    )
    @mutation_payload
    async def request_password_reset(
        self, info: Info, email: str
    ) -> RequestPasswordResetPayload | None:
        ctx: Context = info.context
        await service.request_password_reset(ctx.session, email=email, settings=ctx.settings)
        return RequestPasswordResetSuccess(accepted=True)

    @strawberry.mutation(
        description="Choose a new password with the token of a reset e-mail.",
        extensions=[public()],
    )
    @mutation_payload
    async def reset_password(
        self, info: Info, token: str, new_password: str
    ) -> ResetPasswordPayload | None:
        member = await service.reset_password(
            info.context.session, token=token, new_password=new_password
        )
        return ResetPasswordSuccess(member=MemberType.from_model(member))

    @strawberry.mutation(
        description="Change the calling member's password (revokes every token of the member).",
        extensions=[requires("account:write")],
    )
    @payload_of_use_case
    async def change_password(
        self, info: Info, current_password: str, new_password: str
    ) -> ChangePasswordPayload | None:
        ctx: Context = info.context
        member = await accounts.change_password(
            ctx.db, ctx.actor, current_password=current_password, new_password=new_password
        )
        return ChangePasswordSuccess(member=MemberType.from_model(member))

    @strawberry.mutation(
        description="Change the calling member's profile.",
        extensions=[requires("account:write")],
    )
    @mutation_payload
    async def update_profile(
        self, info: Info, input: UpdateProfileInput
    ) -> UpdateProfilePayload | None:
        ctx: Context = info.context
        member = await service.update_profile(
            ctx.session,
            ctx.actor,
            display_name=input.display_name,
            bio=input.bio,
            avatar_url=input.avatar_url,
            locale=input.locale,
            country=input.country,
            city=input.city,
        )
        return UpdateProfileSuccess(member=MemberType.from_model(member))
