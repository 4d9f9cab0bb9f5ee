"""Idempotency keys (c2c_api.idempotency.service), on SQLite and PostgreSQL: the same key
answers the first result again; other arguments are refused; failures keep or free the key."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import Actor, ActorKind
from c2c_api.db import Database, after_rollback
from c2c_api.errors import (
    Conflict,
    ErrorCode,
    InvalidInput,
    RateLimited,
    ReplayedError,
    Unauthenticated,
)
from c2c_api.graphql.errors import user_error
from c2c_api.idempotency.errors import (
    IdempotencyKeyInUse,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
)
from c2c_api.idempotency.models import KeyStatus
from c2c_api.idempotency.service import (
    Claim,
    Outcome,
    StoredError,
    answer_work_once,
    caller_of,
    check_key,
    claim,
    purge_expired,
    request_hash,
    run_once,
)
from c2c_api.kit.clock import clock
from c2c_api.listings.errors import VersionConflict
from c2c_api.photos.errors import PhotoTooLarge
from c2c_api.rest.problems import status_for
from idempotency_support import T0, add_effect, effect_notes, effects, stored_keys

__all__ = ["effects"]  # the fixture, used by name

ALICE = "member:" + str(uuid.UUID(int=1))
BOB = "member:" + str(uuid.UUID(int=2))


def paying(note: str, **value: Any) -> Any:
    """A use case that leaves a side effect, then answers `value`."""

    async def use_case(session: AsyncSession) -> dict[str, Any]:
        await add_effect(session, note)
        return value

    return use_case


def failing(note: str, error: BaseException) -> Any:
    """A use case that writes, then raises `error`."""

    async def use_case(session: AsyncSession) -> dict[str, Any]:
        await add_effect(session, note)
        raise error

    return use_case


async def pay(db: Database, *, caller: str = ALICE, key: str = "k1", use_case: Any,
              operation: str = "payOrder", **arguments: Any) -> dict[str, Any]:  # fmt: skip
    return await run_once(
        db,
        caller=caller,
        key=key,
        operation=operation,
        arguments=arguments or {"orderId": "o1", "amount": 100},
        use_case=use_case,
    )


class TestReplay:
    async def test_the_same_key_answers_the_first_value_without_running_again(
        self, effects: Database
    ) -> None:
        order = uuid.uuid4()
        first = await pay(effects, use_case=paying("first", orderId=order))
        again = await pay(effects, use_case=paying("second", orderId=uuid.uuid4()))
        assert first == again == {"orderId": str(order)}
        assert await effect_notes(effects) == ["first"]
        [key] = await stored_keys(effects)
        assert (key.status, key.operation, key.result) == (
            KeyStatus.COMPLETED,
            "payOrder",
            {"value": {"orderId": str(order)}},
        )

    async def test_a_domain_error_is_answered_again_with_its_code_and_status(
        self, effects: Database
    ) -> None:
        error = VersionConflict(fields=["expectedVersion"], context={"current": 3})
        with pytest.raises(VersionConflict):
            await pay(effects, use_case=failing("first", error))
        with pytest.raises(ReplayedError) as replayed:
            await pay(effects, use_case=paying("second", ok=True))
        again = replayed.value
        assert (again.code, again.message, again.fields, again.context) == (
            ErrorCode.VERSION_CONFLICT,
            error.message,
            ["expectedVersion"],
            {"current": 3},
        )
        assert isinstance(again, Conflict) is False and again.family is Conflict
        assert status_for(again) == status_for(error) == 409
        assert user_error(again, "fr") == user_error(error, "fr")
        # the use case's writes were rolled back, and it never ran again
        assert await effect_notes(effects) == []

    async def test_a_status_refined_by_code_is_kept(self, effects: Database) -> None:
        error = PhotoTooLarge(fields=["file"])
        with pytest.raises(PhotoTooLarge):
            await pay(effects, use_case=failing("first", error))
        with pytest.raises(ReplayedError) as replayed:
            await pay(effects, use_case=paying("second"))
        assert replayed.value.family is InvalidInput
        assert status_for(replayed.value) == status_for(error) == 413

    async def test_arguments_hash_the_same_whatever_their_order_and_types(self) -> None:
        order = uuid.uuid4()
        assert request_hash({"a": 1, "orderId": order, "at": T0}) == request_hash(
            {"at": T0.astimezone(), "orderId": str(order), "a": 1}
        )
        assert request_hash({"a": 1}) != request_hash({"a": 2})


class TestReuse:
    async def test_other_arguments_are_refused(self, effects: Database) -> None:
        await pay(effects, use_case=paying("first"), orderId="o1", amount=100)
        with pytest.raises(IdempotencyKeyReused) as refused:
            await pay(effects, use_case=paying("second"), orderId="o1", amount=101)
        assert refused.value.code == ErrorCode.IDEMPOTENCY_KEY_REUSED
        assert status_for(refused.value) == 422
        assert await effect_notes(effects) == ["first"]

    async def test_another_operation_with_the_same_key_is_refused(self, effects: Database) -> None:
        await pay(effects, use_case=paying("first"))
        with pytest.raises(IdempotencyKeyReused):
            await pay(effects, use_case=paying("second"), operation="requestPayout")
        assert await effect_notes(effects) == ["first"]

    async def test_keys_are_scoped_per_caller(self, effects: Database) -> None:
        alice = await pay(effects, caller=ALICE, use_case=paying("alice", who="alice"))
        bob = await pay(effects, caller=BOB, use_case=paying("bob", who="bob"))
        assert (alice, bob) == ({"who": "alice"}, {"who": "bob"})
        assert await effect_notes(effects) == ["alice", "bob"]


class TestFailures:
    async def test_a_retryable_error_releases_the_key(self, effects: Database) -> None:
        with pytest.raises(RateLimited):
            await pay(effects, use_case=failing("first", RateLimited()))
        assert await stored_keys(effects) == []
        assert await pay(effects, use_case=paying("second", ok=True)) == {"ok": True}
        assert await effect_notes(effects) == ["second"]

    async def test_an_unexpected_exception_releases_the_key(self, effects: Database) -> None:
        with pytest.raises(ZeroDivisionError):
            await pay(effects, use_case=failing("first", ZeroDivisionError()))
        assert await stored_keys(effects) == []
        assert await pay(effects, use_case=paying("second", ok=True)) == {"ok": True}
        assert await effect_notes(effects) == ["second"]

    async def test_the_work_and_the_answer_commit_together(self, effects: Database) -> None:
        """A use case failing after its writes leaves neither its writes nor an answer; one
        whose answer cannot be stored (the claim was lost) leaves no write either."""
        with pytest.raises(ZeroDivisionError):
            await pay(effects, use_case=failing("written", ZeroDivisionError()))
        assert (await effect_notes(effects), await stored_keys(effects)) == ([], [])

        clock.freeze(T0)
        async with claim(
            effects, caller=ALICE, key="k2", operation="payOrder", arguments={"a": 1}
        ) as held:
            clock.freeze(T0 + timedelta(seconds=61))  # the lease ran out: a retry takes over
            await pay(effects, key="k2", use_case=paying("retry", by="retry"), a=1)
            with pytest.raises(IdempotencyKeyInUse):
                async with effects.transaction() as session:
                    await add_effect(session, "late holder")
                    await held.complete(session, {"by": "late holder"})
            # (leaving the block with that error neither stores it nor frees the new claim)
        assert await effect_notes(effects) == ["retry"]
        assert await pay(effects, key="k2", use_case=paying("again"), a=1) == {"by": "retry"}


class TestLease:
    async def test_a_running_claim_refuses_the_same_key(self, effects: Database) -> None:
        clock.freeze(T0)
        async with claim(
            effects, caller=ALICE, key="k1", operation="payOrder", arguments={"a": 1}
        ) as held:
            clock.freeze(T0 + timedelta(seconds=59))
            with pytest.raises(IdempotencyKeyInUse) as refused:
                await pay(effects, use_case=paying("second"), a=1)
            assert status_for(refused.value) == 409
            async with effects.transaction() as session:
                await held.complete(session, {"done": 1})
        assert await pay(effects, use_case=paying("third"), a=1) == {"done": 1}
        assert await effect_notes(effects) == []

    async def test_an_expired_lease_is_taken_over_once(self, effects: Database) -> None:
        clock.freeze(T0)
        async with claim(effects, caller=ALICE, key="k1", operation="payOrder", arguments={"a": 1}):
            clock.freeze(T0 + timedelta(seconds=61))
            assert await pay(effects, use_case=paying("taker", n=1), a=1) == {"n": 1}
            assert await pay(effects, use_case=paying("second taker"), a=1) == {"n": 1}
            with pytest.raises(IdempotencyKeyReused):
                await pay(effects, use_case=paying("other"), a=2)
            # the dead holder wakes up and leaves without an answer: it releases nothing of
            # the taker's
        assert await effect_notes(effects) == ["taker"]
        [key] = await stored_keys(effects)
        assert (key.status, key.result) == (KeyStatus.COMPLETED, {"value": {"n": 1}})


class TestExpiry:
    async def test_expired_keys_are_purged_and_run_again(self, effects: Database) -> None:
        clock.freeze(T0)
        await pay(effects, use_case=paying("first", n=1))
        await pay(effects, caller=BOB, use_case=paying("bob", n=2))
        clock.freeze(T0 + timedelta(hours=23, minutes=59))
        assert await pay(effects, use_case=paying("kept", n=3)) == {"n": 1}
        async with effects.transaction() as session:
            assert await purge_expired(session, now=T0 + timedelta(hours=23)) == 0
        later = T0 + timedelta(hours=24)
        async with effects.transaction() as session:
            assert await purge_expired(session, now=later) == 2
        clock.freeze(later)
        assert await pay(effects, use_case=paying("after purge", n=4)) == {"n": 4}
        assert await effect_notes(effects) == ["after purge", "bob", "first"]

    async def test_an_expired_key_not_yet_purged_runs_again(self, effects: Database) -> None:
        clock.freeze(T0)
        await pay(effects, use_case=paying("first", n=1))
        clock.freeze(T0 + timedelta(hours=25))
        # even with other arguments: an expired key is as good as new
        assert await pay(effects, use_case=paying("again", n=2), x=1) == {"n": 2}
        assert await effect_notes(effects) == ["again", "first"]

    async def test_purge_keeps_a_claim_whose_lease_runs(self, effects: Database) -> None:
        clock.freeze(T0)
        async with claim(
            effects,
            caller=ALICE,
            key="k1",
            operation="payOrder",
            arguments={},
            lease=timedelta(hours=30),
        ) as held:
            async with effects.transaction() as session:
                assert await purge_expired(session, now=T0 + timedelta(hours=25)) == 0
            async with effects.transaction() as session:
                await held.complete(session, {})
        async with effects.transaction() as session:
            assert await purge_expired(session, now=T0 + timedelta(hours=25)) == 1


class TestKeysAndCallers:
    @pytest.mark.parametrize("bad", ["", "x" * 256, "a\x00b", "tab\tbed"])
    def test_a_malformed_key_is_invalid_input_on_the_field(self, bad: str) -> None:
        with pytest.raises(InvalidInput) as refused:
            check_key(bad, field="idempotencyKey")
        assert (refused.value.code, refused.value.fields) == (
            ErrorCode.INVALID_INPUT,
            ["idempotencyKey"],
        )

    def test_a_missing_key_is_required_and_answers_400(self) -> None:
        with pytest.raises(IdempotencyKeyRequired) as refused:
            check_key(None, field="Idempotency-Key")
        assert status_for(refused.value) == 400
        assert check_key("x" * 255, field="f") == "x" * 255

    def test_callers(self) -> None:
        member_id, partner_id = uuid.uuid4(), uuid.uuid4()
        operator = Actor(kind=ActorKind.OPERATOR, member_id=member_id)
        assert caller_of(operator) == f"member:{member_id}"
        partner = Actor(kind=ActorKind.PARTNER, partner_id=partner_id, client_id="shop")
        assert caller_of(partner) == f"partner:{partner_id}"
        client = Actor(kind=ActorKind.ANONYMOUS, client_id="front-end")
        assert caller_of(client) == "client:front-end"
        assert len(caller_of(Actor(kind=ActorKind.ANONYMOUS, client_id="c" * 200))) <= 80
        with pytest.raises(Unauthenticated):
            caller_of(Actor(kind=ActorKind.ANONYMOUS))

    def test_an_outcome_of_a_retired_code_keeps_its_family(self) -> None:
        stored = StoredError(code="GONE", message="Gone.", family="Conflict")
        with pytest.raises(ReplayedError) as replayed:
            Outcome(error=stored).raise_or_value()
        assert (replayed.value.code, status_for(replayed.value)) == (ErrorCode.CONFLICT, 409)


class CommitCounter:
    """Commits on the engine while counting (the claim, the work and the answer: how many)."""

    def __init__(self, db: Database) -> None:
        self.engine = db.engine.sync_engine
        self.commits = 0
        sa.event.listen(self.engine, "commit", self._commit)

    def _commit(self, _conn: Any) -> None:
        self.commits += 1

    def close(self) -> None:
        sa.event.remove(self.engine, "commit", self._commit)


class TestInTheWorksTransaction:
    """The key is claimed in the work's first transaction: one commit for work done in one,
    a refusal stored there (its writes rolled back to just after the claim)."""

    async def test_one_transaction_claims_runs_and_answers_with_one_commit(
        self, effects: Database
    ) -> None:
        counter = CommitCounter(effects)
        try:
            assert await pay(effects, use_case=paying("first", n=1)) == {"n": 1}
            assert counter.commits == 1
            with pytest.raises(VersionConflict):
                await pay(effects, key="k2", use_case=failing("refused", VersionConflict()))
            assert counter.commits == 2  # the refusal stored in the work's own transaction
        finally:
            counter.close()
        assert await effect_notes(effects) == ["first"]
        with pytest.raises(ReplayedError):
            await pay(effects, key="k2", use_case=paying("again"))

    async def test_a_refusal_undoes_what_its_work_did_outside_after_the_commit(
        self, effects: Database
    ) -> None:
        seen: list[bool] = []

        async def use_case(session: AsyncSession) -> dict[str, Any]:
            await add_effect(session, "written")

            async def undo() -> None:
                seen.append(session.in_transaction())

            after_rollback(session, undo)
            raise VersionConflict()

        with pytest.raises(VersionConflict):
            await pay(effects, use_case=use_case)
        assert seen == [False]  # once, with the transaction ended
        assert await effect_notes(effects) == []
        [key] = await stored_keys(effects)
        assert key.status == KeyStatus.COMPLETED and key.result is not None
        assert key.result["error"]["code"] == ErrorCode.VERSION_CONFLICT.value

    async def test_a_refusal_before_the_first_transaction_is_the_answer(
        self, effects: Database
    ) -> None:
        runs: list[str] = []

        async def work(held: Claim) -> dict[str, Any]:
            runs.append("ran")
            raise InvalidInput("No.", fields=["amount"])

        async def call() -> Any:
            return await answer_work_once(
                effects, caller=ALICE, key="k1", operation="payOrder", arguments={}, work=work
            )

        with pytest.raises(InvalidInput):
            await call()
        with pytest.raises(ReplayedError) as replayed:
            await call()
        assert (replayed.value.code, replayed.value.fields) == (ErrorCode.INVALID_INPUT, ["amount"])
        # what a work does before its first transaction runs on every call (checks only)
        assert runs == ["ran", "ran"]

    async def test_several_transactions_first_commits_the_claim_and_a_later_refusal_is_kept(
        self, effects: Database
    ) -> None:
        """As paying: the first step (claim and attempt) stays when a later step is refused;
        the refusal is the answer."""
        steps: list[str] = []

        async def work(held: Claim) -> dict[str, Any]:
            async with held.transaction() as session:
                await add_effect(session, "attempt")
            steps.append("between")
            async with held.transaction() as session:
                await add_effect(session, "declined")
                raise VersionConflict()

        async def call() -> Any:
            return await answer_work_once(
                effects, caller=ALICE, key="k1", operation="payOrder", arguments={}, work=work
            )

        with pytest.raises(VersionConflict):
            await call()
        with pytest.raises(ReplayedError):
            await call()
        assert steps == ["between"]
        assert await effect_notes(effects) == ["attempt"]

    async def test_work_must_claim_in_its_first_transaction(self, effects: Database) -> None:
        async def unclaimed(held: Claim) -> dict[str, Any]:
            async with effects.transaction() as session:
                return await held.complete(session, {"n": 1})

        with pytest.raises(RuntimeError, match="not claimed"):
            await answer_work_once(
                effects, caller=ALICE, key="k1", operation="payOrder", arguments={}, work=unclaimed
            )

        async def on_after_a_failed_first(held: Claim) -> dict[str, Any]:
            with pytest.raises(ZeroDivisionError):
                async with held.transaction():
                    raise ZeroDivisionError
            async with held.transaction() as session:
                return await held.complete(session, {"n": 1})

        with pytest.raises(RuntimeError, match="not claimed"):
            await answer_work_once(
                effects,
                caller=ALICE,
                key="k2",
                operation="payOrder",
                arguments={},
                work=on_after_a_failed_first,
            )
        assert await stored_keys(effects) == []
