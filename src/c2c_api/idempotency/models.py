"""Idempotency keys: one row per (caller, key), holding the first answer once it is known."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import JSON, Field, SQLModel

from c2c_api.db import UTCDateTime, created_at_field, enum_type

KEY_MAX = 255
CALLER_MAX = 80


class KeyStatus(StrEnum):
    IN_PROGRESS = "in_progress"  # claimed: the first request runs (under a lease)
    COMPLETED = "completed"  # its answer (a value or a domain error) is stored in `result`


class IdempotencyKey(SQLModel, table=True):
    """A key a caller gave to a money-moving operation, and the answer it got."""

    __tablename__ = "idempotency_keys"

    # "member:<uuid>", "partner:<uuid>" or "client:<client_id>": keys are scoped per caller.
    caller: str = Field(max_length=CALLER_MAX, primary_key=True)
    key: str = Field(max_length=KEY_MAX, primary_key=True)
    operation: str = Field(max_length=64)  # e.g. "payOrder"
    # sha256 (hex) of the canonical JSON of the operation's arguments.
    request_hash: str = Field(max_length=64)
    status: KeyStatus = Field(sa_type=enum_type(KeyStatus, length=16))
    # {"value": {...}} or {"error": {"code", "message", "fields", "context", "family"}}.
    result: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    # Names the claim of the request running now; each conditional write is on it.
    claim_token: uuid.UUID
    # The lease of an IN_PROGRESS key: after it, a retry may take the key over (its holder died).
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = created_at_field()
    # Kept until then (C2C_IDEMPOTENCY_TTL_HOURS after the answer); purged after.
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
