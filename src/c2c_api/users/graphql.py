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

from c2c_api import authz
from c2c_api.graphql.errors import UserError, mutation_payload
from c2c_api.graphql.loaders import loader
from c2c_api.graphql.permissions import public, requires
from c2c_api.users import service
from c2c_api.users.models import Member

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context
    from c2c_api.partners.graphql import PartnerType


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

    @strawberry.field(description="E-mail address: only for the member themself and operators.")
    def email(self, info: Info) -> str | None:
        if authz.can_see_private_profile(info.context.actor, self._model.id):
            return self._model.email
        return None

    @strawberry.field(description="Whether the e-mail address was verified (self and operators).")
    def email_verified(self, info: Info) -> bool | None:
        if authz.can_see_private_profile(info.context.actor, self._model.id):
            return self._model.email_verified
        return None

    @strawberry.field(description="Preferred language (self and operators).")
    def locale(self, info: Info) -> str | None:
        if authz.can_see_private_profile(info.context.actor, self._model.id):
            return self._model.locale
        return None

    @strawberry.field(description="The storefront (partner) the member joined through, if any.")
    async def storefront(
        self, info: Info
    ) -> Annotated[PartnerType, strawberry.lazy("c2c_api.partners.graphql")] | None:
        from c2c_api.partners.graphql import PartnerType, partner_loader

        if self._model.partner_id is None:
            return None
        partner = await partner_loader(info).load(self._model.partner_id)
        return PartnerType.from_model(partner) if partner is not None else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> Iterable[MemberType | None]:
        ids: list[uuid.UUID | None] = []
        for raw in node_ids:
            try:
                ids.append(uuid.UUID(str(raw)))
            except ValueError:
                ids.append(None)
        load = member_loader(info)
        found = [await load.load(i) if i is not None else None for i in ids]
        return [cls.from_model(m) if m is not None else None for m in found]


@strawberry.input(description="Profile fields to change; omitted fields stay as they are.")
class UpdateProfileInput:
    display_name: str | None = None
    bio: str | None = None
    avatar_url: str | None = None
    locale: str | None = None
    country: str | None = None
    city: str | None = None


@strawberry.type
class UpdateProfileSuccess:
    member: MemberType


UpdateProfilePayload = Annotated[
    UpdateProfileSuccess | UserError, strawberry.union("UpdateProfilePayload")
]


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
        description="Any object by its global id (null when it does not exist or is hidden).",
        extensions=[public()],
    )
    async def node(self, info: Info, id: relay.GlobalID) -> relay.Node | None:
        try:
            node_type = id.resolve_type(info)
        except (KeyError, ValueError, AttributeError):
            return None
        nodes = node_type.resolve_nodes(info=info, node_ids=[id.node_id], required=False)
        if inspect.isawaitable(nodes):
            nodes = await nodes
        return next(iter(nodes), None)


@strawberry.type
class UserMutation:
    @strawberry.mutation(
        description="Change the calling member's profile.",
        extensions=[requires("account:write")],
    )
    @mutation_payload
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> UpdateProfilePayload:
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
