"""The `Idempotency-Key` header of REST writes that move money (docs/idempotency.md).

    answer = await run_idempotent(request, db, actor, operation="payOrder",
                                  arguments={...}, use_case=pay)
    return JSONResponse(answer.value, headers=replay_headers(answer))

A missing required header is a 400 problem (IDEMPOTENCY_KEY_REQUIRED), a malformed one a 422
INVALID_INPUT naming the header, a reused key 422, a key in use 409; a replayed answer
(success or problem) carries `Idempotent-Replayed: true`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from c2c_api.authz import Actor
from c2c_api.db import Database
from c2c_api.idempotency.service import (
    Answer,
    UseCase,
    answer_once,
    caller_of,
    canonical_json,
    check_key,
)
from c2c_api.rest.problems import IDEMPOTENT_REPLAYED

HEADER = "Idempotency-Key"


def key_of(request: Request, *, required: bool = True) -> str | None:
    """The request's `Idempotency-Key`: IdempotencyKeyRequired when required and absent,
    INVALID_INPUT when malformed; None when optional and absent."""
    raw = request.headers.get(HEADER)
    if raw is None and not required:
        return None
    return check_key(raw, field=HEADER)


async def run_idempotent(
    request: Request,
    db: Database,
    actor: Actor,
    *,
    operation: str,
    arguments: Mapping[str, Any],
    use_case: UseCase,
    required: bool = True,
) -> Answer:
    """Run `use_case` once per (caller, `Idempotency-Key`) in one transaction (see
    idempotency.service.run_once); without a key, when optional, simply once."""
    key = key_of(request, required=required)
    if key is None:
        async with db.transaction() as session:
            value = await use_case(session)
        return Answer(json.loads(canonical_json(value)), replayed=False)
    return await answer_once(
        db,
        caller=caller_of(actor),
        key=key,
        operation=operation,
        arguments=arguments,
        use_case=use_case,
    )


def replay_headers(answer: Answer) -> dict[str, str]:
    """`Idempotent-Replayed: true` on an answer given again."""
    return {IDEMPOTENT_REPLAYED: "true"} if answer.replayed else {}


def answer_response(answer: Answer, *, status_code: int = 200) -> JSONResponse:
    """The answer as JSON, with `Idempotent-Replayed` when it is a replay."""
    return JSONResponse(answer.value, status_code=status_code, headers=replay_headers(answer))
