"""`message.sent` carries the committed message: a subscriber shows it without reading it again."""

from __future__ import annotations

import uuid

from c2c_api.conversations.models import Message, MessageKind
from c2c_api.conversations.service import message_from_snapshot, message_snapshot
from c2c_api.kit.clock import utcnow

FIELDS = ("id", "thread_id", "seq", "kind", "sender_id", "body", "event", "data", "warnings")


def test_a_snapshot_gives_back_the_message() -> None:
    text = Message(
        id=uuid.uuid4(),
        thread_id=uuid.uuid4(),
        seq=7,
        kind=MessageKind.TEXT,
        sender_id=uuid.uuid4(),
        body="Call me: 06 12 34 56 78",
        warnings=[{"flag": "PHONE_NUMBER", "start": 9, "end": 23, "excerpt": "06 •• •• •• 78"}],
        created_at=utcnow(),
    )
    system = Message(
        id=uuid.uuid4(),
        thread_id=uuid.uuid4(),
        seq=1,
        kind=MessageKind.SYSTEM,
        sender_id=None,
        event="order.updated",
        data={"orderId": str(uuid.uuid4()), "state": "PAID"},
        created_at=utcnow(),
    )
    for message in (text, system):
        back = message_from_snapshot(message_snapshot(message))
        assert back is not None
        assert {f: getattr(back, f) for f in FIELDS} == {f: getattr(message, f) for f in FIELDS}
        assert back.created_at == message.created_at


def test_what_is_not_a_snapshot_is_read_again() -> None:
    for carried in (None, "x", {}, {"id": "not a uuid"}, {"id": str(uuid.uuid4())}):
        assert message_from_snapshot(carried) is None
