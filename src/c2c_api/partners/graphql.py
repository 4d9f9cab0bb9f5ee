"""GraphQL types and entry points of partners (white-label storefronts)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from c2c_api.graphql.loaders import loader
from c2c_api.graphql.permissions import requires
from c2c_api.partners import service
from c2c_api.partners.models import Partner

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context


async def _partners_batch(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Partner]:
    return await service.get_partners(ctx.session, ids)


def partner_loader(info: Info) -> Any:
    return loader(info.context, "partners", _partners_batch)


@strawberry.type(name="Partner", description="A white-label storefront (tenant).")
class PartnerType(relay.Node):
    id: relay.NodeID[uuid.UUID]
    slug: str
    name: str
    created_at: datetime

    @classmethod
    def from_model(cls, p: Partner) -> PartnerType:
        return cls(id=p.id, slug=p.slug, name=p.name, created_at=p.created_at)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> Iterable[PartnerType | None]:
        out: list[PartnerType | None] = []
        for raw in node_ids:
            try:
                pid = uuid.UUID(str(raw))
            except ValueError:
                out.append(None)
                continue
            p = await partner_loader(info).load(pid)
            out.append(cls.from_model(p) if p is not None else None)
        return out


@strawberry.type
class PartnerQuery:
    @strawberry.field(
        description="The partner a partner token is bound to.",
        extensions=[requires("partner:read")],
    )
    async def partner(self, info: Info) -> PartnerType:
        ctx: Context = info.context
        return PartnerType.from_model(await service.get_own_partner(ctx.session, ctx.actor))


@strawberry.type
class PartnerMutation:
    pass
