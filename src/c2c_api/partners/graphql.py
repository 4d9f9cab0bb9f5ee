"""GraphQL types and entry points of partners (white-label storefronts)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from c2c_api.graphql.errors import UserError, mutation_payload
from c2c_api.graphql.loaders import loader, parse_node_ids
from c2c_api.graphql.permissions import requires
from c2c_api.graphql.relay import connection, decode_cursor
from c2c_api.partners import service
from c2c_api.partners.models import Partner

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context
    from c2c_api.users.graphql import MemberType

T = TypeVar("T")
N = TypeVar("N", bound=relay.Node)


async def _partners_batch(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Partner]:
    return await service.get_partners(ctx.session, ids)


def partner_loader(info: Info) -> Any:
    return loader(info.context, "partners", _partners_batch)


# One scope per connection (its schema coordinate): a cursor of one list is refused by another.
PARTNERS_SCOPE = "Query.partners"
PARTNER_MEMBERS_SCOPE = "Partner.members"


@strawberry.type(name="Partner", description="A white-label storefront (tenant).")
class PartnerType(relay.Node):
    id: relay.NodeID[uuid.UUID]
    slug: str = strawberry.field(description="Stable, URL-safe name of the storefront.")
    name: str
    created_at: datetime

    @classmethod
    def from_model(cls, p: Partner) -> PartnerType:
        return cls(id=p.id, slug=p.slug, name=p.name, created_at=p.created_at)

    @classmethod
    async def for_id(cls, info: Info, partner_id: uuid.UUID | None) -> PartnerType | None:
        """The partner `partner_id` (batched per request); None without one or when gone."""
        if partner_id is None:
            return None
        partner = await partner_loader(info).load(partner_id)
        return cls.from_model(partner) if partner is not None else None

    @strawberry.field(
        description=(
            "Members who joined through this storefront, oldest first. Visible to the partner "
            "itself (scope partner:members) and to operators (admin:partners); empty otherwise."
        )
    )
    async def members(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> relay.Connection[Annotated[MemberType, strawberry.lazy("c2c_api.users.graphql")]]:
        from c2c_api.users.graphql import MemberType

        ctx: Context = info.context
        page = await service.list_partner_members(
            ctx.session,
            ctx.actor,
            partner_id=self.id,
            limit=first,
            after=decode_cursor(info, PARTNER_MEMBERS_SCOPE, after),
        )
        return connection(
            info,
            page,
            scope=PARTNER_MEMBERS_SCOPE,
            node=MemberType.from_model,
            key=lambda m: (m.created_at, m.id),
            after=after,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> Iterable[PartnerType | None]:
        load = partner_loader(info)
        found = [await load.load(i) if i is not None else None for i in parse_node_ids(node_ids)]
        return [cls.from_model(p) if p is not None else None for p in found]


@strawberry.input(description="A new partner (white-label storefront).")
class CreatePartnerInput:
    slug: str = strawberry.field(
        description="2 to 63 lowercase letters, digits and single hyphens; unique; permanent."
    )
    name: str = strawberry.field(description="Display name, 1 to 120 characters.")


@strawberry.type(description="The partner was created.")
class CreatePartnerSuccess:
    partner: PartnerType


CreatePartnerPayload = Annotated[
    CreatePartnerSuccess | UserError, strawberry.union("CreatePartnerPayload")
]


@strawberry.type
class PartnerQuery:
    @strawberry.field(
        description="The partner a partner token is bound to.",
        extensions=[requires("partner:read")],
    )
    async def partner(self, info: Info) -> PartnerType | None:
        ctx: Context = info.context
        return PartnerType.from_model(await service.get_own_partner(ctx.session, ctx.actor))

    @strawberry.field(
        description="Every partner, oldest first (operators).",
        extensions=[requires("admin:partners")],
    )
    async def partners(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> relay.Connection[PartnerType] | None:
        ctx: Context = info.context
        page = await service.list_partners(
            ctx.session, ctx.actor, limit=first, after=decode_cursor(info, PARTNERS_SCOPE, after)
        )
        return connection(
            info,
            page,
            scope=PARTNERS_SCOPE,
            node=PartnerType.from_model,
            key=lambda p: (p.created_at, p.id),
            after=after,
        )


@strawberry.type
class PartnerMutation:
    @strawberry.mutation(
        description="Register a partner (white-label storefront); operators only.",
        extensions=[requires("admin:partners")],
    )
    @mutation_payload
    async def create_partner(
        self, info: Info, input: CreatePartnerInput
    ) -> CreatePartnerPayload | None:
        ctx: Context = info.context
        partner = await service.create_partner(
            ctx.session, ctx.actor, slug=input.slug, name=input.name
        )
        return CreatePartnerSuccess(partner=PartnerType.from_model(partner))
