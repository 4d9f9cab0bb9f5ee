"""The `idempotencyKey` argument of mutations that move money (docs/idempotency.md).

    @strawberry.mutation(...)
    @payload_of_use_case
    async def pay_order(self, info: Info, order_id: ID, idempotency_key: str) -> PayOrderPayload:
        value = await idempotent(info, operation="payOrder", key=idempotency_key,
                                 arguments={"orderId": order_id}, use_case=...)

`payload_of_use_case` turns every DomainError, replayed ones included, into the payload's
`UserError` (IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_USE, or the first answer's own code).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from strawberry.types import Info

from c2c_api.idempotency.service import (
    UseCase,
    Work,
    answer_work_once,
    caller_of,
    check_key,
    run_once,
)

ARGUMENT = "idempotencyKey"


async def idempotent(
    info: Info[Any, Any],
    *,
    operation: str,
    key: str | None,
    arguments: Mapping[str, Any],
    use_case: UseCase,
) -> dict[str, Any]:
    """Run `use_case` in one transaction once per (caller, key), the key claimed and answered
    in that transaction: the same key and arguments answer the first value (or raise its
    domain error) again. Inside a resolver decorated with `payload_of_use_case`."""
    checked = check_key(key, field=ARGUMENT)
    ctx = info.context
    caller = caller_of(ctx.actor)
    await ctx.end_reads()
    return await run_once(
        ctx.db,
        caller=caller,
        key=checked,
        operation=operation,
        arguments=arguments,
        use_case=use_case,
    )


async def idempotent_work(
    info: Info[Any, Any],
    *,
    operation: str,
    key: str | None,
    arguments: Mapping[str, Any],
    work: Work,
) -> dict[str, Any]:
    """As `idempotent`, for a use case spanning several transactions (paying calls the
    provider between two): `work(claim)` opens each with `claim.transaction()` (the first
    claims the key) and calls `claim.complete(session, value)` in its last one
    (idempotency.service.answer_work_once)."""
    checked = check_key(key, field=ARGUMENT)
    ctx = info.context
    caller = caller_of(ctx.actor)
    await ctx.end_reads()
    answer = await answer_work_once(
        ctx.db, caller=caller, key=checked, operation=operation, arguments=arguments, work=work
    )
    return answer.value
