"""The process engine: malformed declarations are refused; a transition checks state, role
and inputs, runs guards then effects, and arms/cancels timers in the caller's transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from c2c_api.db import Database
from c2c_api.errors import InvalidState
from c2c_api.events.models import Timer, TimerStatus
from c2c_api.kit.clock import clock
from c2c_api.orders.process import ORDERS, SALE_V1
from c2c_api.processes.declarations import (
    CancelTimer,
    Do,
    InputField,
    InputKind,
    Process,
    ProcessDefinitionError,
    Role,
    SetTimer,
    State,
    Transition,
)
from c2c_api.processes.engine import Engine, Step
from c2c_api.processes.errors import (
    TransitionInputInvalid,
    TransitionNotAllowed,
    TransitionNotAvailable,
)

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
B, S, SYS = Role.BUYER, Role.SELLER, Role.SYSTEM


def toy(**changes: object) -> Process:
    base = Process(
        kind="TOY",
        version=1,
        initial="A",
        states=(State("A", "A", "A"), State("B", "B", "B"), State("END", "E", "F", terminal=True)),
        transitions=(
            Transition(
                "go",
                ("A",),
                "B",
                frozenset({B}),
                "Go",
                "Aller",
                inputs=(InputField("note", InputKind.TEXT, "Note", "Note", max_length=5),),
                effects=(Do("mark"), SetTimer("toy.late")),
            ),
            Transition(
                "finish",
                ("B",),
                "END",
                frozenset({S}),
                "Finish",
                "Finir",
                guards=("allowed",),
                effects=(CancelTimer("toy.late"), Do("boom")),
            ),
            Transition("late", ("B",), "END", frozenset({SYS}), "Late", "Tard", timer="toy.late"),
        ),
        delays={"toy.late": timedelta(hours=1)},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@dataclass
class Thing:
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    state: str = "A"
    process_kind: str = "TOY"
    process_version: int = 1
    marks: list[str] = field(default_factory=list)


class TestDeclarations:
    def test_the_shipped_processes_are_well_formed(self) -> None:
        assert SALE_V1.problems() == []
        ORDERS.verify()

    def test_an_unreachable_state_is_refused(self) -> None:
        process = toy(states=(*toy().states, State("ISLAND", "I", "I", terminal=True)))
        with pytest.raises(ProcessDefinitionError, match="ISLAND is unreachable"):
            Engine(subject_type="toy").declare(process)

    def test_a_state_with_no_way_out_is_refused(self) -> None:
        transitions = tuple(t for t in toy().transitions if t.name == "go")
        process = toy(transitions=transitions, delays={})
        problems = process.problems()
        assert "state B has no way out and is not terminal" in problems

    def test_a_terminal_state_with_a_way_out_is_refused(self) -> None:
        extra = Transition("again", ("END",), "A", frozenset({B}), "Again", "Encore")
        assert (
            "terminal state END has transitions out"
            in toy(transitions=(*toy().transitions, extra)).problems()
        )

    def test_a_cycle_that_never_ends_is_refused(self) -> None:
        loop = (
            Transition("go", ("A",), "B", frozenset({B}), "Go", "Aller"),
            Transition("back", ("B",), "A", frozenset({B}), "Back", "Retour"),
        )
        problems = toy(transitions=loop, delays={}).problems()
        assert "state A can never reach a terminal state" in problems
        assert "state END is unreachable from A" in problems

    def test_unknown_states_and_timers_without_delay_are_refused(self) -> None:
        bad = Transition(
            "x", ("A",), "NOWHERE", frozenset({B}), "X", "X", effects=(SetTimer("toy.other"),)
        )
        problems = toy(transitions=(*toy().transitions, bad)).problems()
        assert "transition x names unknown state NOWHERE" in problems
        assert "transition x sets timer toy.other with no delay" in problems

    def test_a_named_effect_without_a_function_stops_the_engine(self) -> None:
        engine = Engine(subject_type="toy")
        engine.declare(toy())
        with pytest.raises(ProcessDefinitionError, match="effect mark of go has no function"):
            engine.verify()


def toy_engine() -> Engine:
    engine = Engine(subject_type="toy")
    engine.declare(toy())

    @engine.effect("mark")
    async def mark(step: Step) -> None:
        step.subject.marks.append(step.inputs["note"])

    @engine.effect("boom")
    async def boom(step: Step) -> None:
        if step.subject.marks == ["fail"]:
            raise InvalidState("boom")

    @engine.guard("allowed")
    async def allowed(step: Step) -> None:
        if step.subject.marks == ["no"]:
            raise InvalidState("not allowed now")

    engine.verify()
    return engine


async def timers(db: Database, subject: uuid.UUID) -> dict[str, TimerStatus]:
    async with db.sessionmaker() as session:
        rows = (await session.exec(select(Timer).where(Timer.subject_id == subject))).all()
    return {t.action: t.status for t in rows}


class TestTake:
    async def test_takes_a_transition_with_its_effects_and_timer(self, db: Database) -> None:
        clock.freeze(T0)
        engine, thing = toy_engine(), Thing()
        async with db.transaction() as session:
            step = await engine.take(session, thing, name="go", roles={B}, inputs={"note": "hi"})
        assert (thing.state, thing.marks, step.role, step.source) == ("B", ["hi"], B, "A")
        assert await timers(db, thing.id) == {"toy.late": TimerStatus.PENDING}

    async def test_refuses_a_transition_not_available_in_the_state(self, db: Database) -> None:
        engine, thing = toy_engine(), Thing(state="B")
        async with db.transaction() as session:
            with pytest.raises(TransitionNotAvailable):
                await engine.take(session, thing, name="go", roles={B}, inputs={"note": "x"})
            with pytest.raises(TransitionNotAvailable):
                await engine.take(session, thing, name="nonexistent", roles={B})
        assert thing.state == "B"

    async def test_refuses_a_transition_that_is_not_the_callers(self, db: Database) -> None:
        engine, thing = toy_engine(), Thing()
        async with db.transaction() as session:
            with pytest.raises(TransitionNotAllowed):
                await engine.take(session, thing, name="go", roles={S}, inputs={"note": "x"})
        assert thing.state == "A" and thing.marks == []

    @pytest.mark.parametrize(
        ("inputs", "field"),
        [
            ({}, "input.note"),
            ({"note": "toolong"}, "input.note"),
            ({"note": "a\x00"}, "input.note"),
            ({"note": "ok", "other": "x"}, "input.other"),
        ],
    )
    async def test_refuses_bad_inputs(
        self, db: Database, inputs: dict[str, str], field: str
    ) -> None:
        engine, thing = toy_engine(), Thing()
        async with db.transaction() as session:
            with pytest.raises(TransitionInputInvalid) as caught:
                await engine.take(session, thing, name="go", roles={B}, inputs=inputs)
        assert caught.value.fields == [field]
        assert thing.state == "A"

    async def test_a_failing_effect_rolls_back_every_effect(self, db: Database) -> None:
        clock.freeze(T0)
        engine, thing = toy_engine(), Thing()
        async with db.transaction() as session:
            await engine.take(session, thing, name="go", roles={B}, inputs={"note": "fail"})
        with pytest.raises(InvalidState):
            async with db.transaction() as session:
                # cancels the timer, then fails: the cancellation is rolled back with it
                await engine.take(session, thing, name="finish", roles={S})
        assert await timers(db, thing.id) == {"toy.late": TimerStatus.PENDING}

    async def test_a_guard_refuses_before_any_effect(self, db: Database) -> None:
        clock.freeze(T0)
        engine, thing = toy_engine(), Thing(state="B", marks=["no"])
        async with db.transaction() as session:
            with pytest.raises(InvalidState, match="not allowed"):
                await engine.take(session, thing, name="finish", roles={S})
        assert thing.state == "B"

    async def test_a_due_timer_takes_its_transition_or_nothing(self, db: Database) -> None:
        engine = toy_engine()
        waiting, moved_on = Thing(state="B"), Thing(state="END")
        async with db.transaction() as session:
            step = await engine.take_timed(session, waiting, action="toy.late")
            assert step is not None and step.role == SYS and waiting.state == "END"
            assert await engine.take_timed(session, moved_on, action="toy.late") is None

    def test_available_lists_the_callers_transitions_without_timed_ones(self) -> None:
        engine = toy_engine()
        assert [t.name for t in engine.available(Thing(state="B"), {S})] == ["finish"]
        assert engine.available(Thing(state="B"), {B}) == []
        assert engine.available(Thing(state="B"), {SYS}) == []


class TestVersions:
    async def test_an_order_keeps_the_process_version_it_started_under(self, db: Database) -> None:
        """A v2 that drops a transition does not change what a v1 subject may do."""
        engine = toy_engine()
        v2 = toy(
            version=2,
            transitions=tuple(t for t in toy().transitions if t.name != "late"),
            delays={},
        )
        v2 = replace(
            v2,
            transitions=tuple(
                replace(t, effects=tuple(e for e in t.effects if not isinstance(e, SetTimer)))
                for t in v2.transitions
            ),
        )
        engine.declare(v2)
        old, new = Thing(state="B"), Thing(state="B", process_version=2)
        assert engine.latest("TOY").version == 2
        async with db.transaction() as session:
            assert await engine.take_timed(session, old, action="toy.late") is not None
            assert await engine.take_timed(session, new, action="toy.late") is None
        assert (old.state, new.state) == ("END", "B")


class TestTimersIndependent:
    async def test_a_failing_timed_transition_does_not_stop_the_others(self, db: Database) -> None:
        """Sharetribe's failure: when the first automatic transition of a state fails, the
        others never run. Here each timer is its own outbox event: one failing (and retried
        with backoff) leaves the other to fire."""
        from c2c_api.events.models import OutboxEvent
        from c2c_api.events.service import schedule_timer
        from c2c_api.events.worker import Handlers, Worker

        clock.freeze(T0)
        fired: list[str] = []
        subject = uuid.uuid4()

        async def fails(session: object, event: OutboxEvent) -> None:
            raise RuntimeError("this transition's effect is broken")

        async def works(session: object, event: OutboxEvent) -> None:
            fired.append(event.topic)

        handlers = Handlers()
        handlers.on_transaction("toy.first", fails)
        handlers.on_transaction("toy.second", works)
        async with db.transaction() as session:
            for action in ("toy.first", "toy.second"):
                await schedule_timer(
                    session, subject_type="toy", subject_id=subject, action=action, due_at=T0
                )
        worker = Worker(db, handlers)
        for _ in range(4):
            await worker.run_once()
        assert fired == ["toy.second"]
        async with db.sessionmaker() as session:
            first = (
                await session.exec(select(OutboxEvent).where(OutboxEvent.topic == "toy.first"))
            ).one()
        assert first.attempts >= 1 and first.status.value == "pending"  # retried later
