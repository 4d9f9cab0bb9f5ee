"""GraphQL entry points of notification preferences: myNotificationPreferences,
setNotificationPreference (docs/notifications.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from c2c_api.graphql.errors import UserError, mutation_payload
from c2c_api.graphql.permissions import requires
from c2c_api.notifications import service
from c2c_api.notifications.models import NotificationType

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context

NotificationTypeEnum = strawberry.enum(
    NotificationType,
    name="NotificationType",
    description=(
        "What a notification e-mail is about. Account and security e-mails (address "
        "verification, password reset) are not notifications: they are always sent."
    ),
)


@strawberry.type(
    name="NotificationPreference",
    description="Whether the member gets e-mails of one notification type.",
)
class NotificationPreferenceType:
    type: NotificationTypeEnum  # type: ignore[valid-type]
    email: bool = strawberry.field(description="E-mails of this type are sent (default: true).")

    @classmethod
    def of(cls, preference: service.Preference) -> NotificationPreferenceType:
        return cls(type=preference.type, email=preference.email)


@strawberry.type(description="The preference as it is now.")
class SetNotificationPreferenceSuccess:
    preference: NotificationPreferenceType


SetNotificationPreferencePayload = Annotated[
    SetNotificationPreferenceSuccess | UserError,
    strawberry.union("SetNotificationPreferencePayload"),
]


@strawberry.type
class NotificationQuery:
    @strawberry.field(
        description="The calling member's choice for every notification type.",
        extensions=[requires("account:read")],
    )
    async def my_notification_preferences(
        self, info: Info
    ) -> list[NotificationPreferenceType] | None:
        ctx: Context = info.context
        preferences = await service.my_preferences(ctx.session, ctx.actor)
        return [NotificationPreferenceType.of(p) for p in preferences]


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(
        description=(
            "Turn the e-mails of one notification type on or off for the calling member. "
            "Idempotent. Turning a type back on revokes the unsubscribe links of the e-mails "
            "sent before."
        ),
        extensions=[requires("account:write")],
    )
    @mutation_payload
    async def set_notification_preference(
        self,
        info: Info,
        type: NotificationTypeEnum,  # type: ignore[valid-type]
        email: bool,
    ) -> SetNotificationPreferencePayload | None:
        ctx: Context = info.context
        preference = await service.set_preference(
            ctx.session, ctx.actor, type=NotificationType(type), email=email
        )
        return SetNotificationPreferenceSuccess(
            preference=NotificationPreferenceType.of(preference)
        )
