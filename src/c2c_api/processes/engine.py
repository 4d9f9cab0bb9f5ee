"""One engine runs every declared process (declarations.py).

    engine = Engine(subject_type="order")
    engine.declare(SALE_V1)                       # checked: a malformed process is refused
    @engine.guard("handover_code_matches") ...    # async (step) -> None, raises a DomainError
    @engine.effect("release_escrow") ...          # async (step) -> None, in the same transaction
    engine.verify()                               # every named guard and effect has a function
    step = await engine.take(session, order, name="ship", roles={Role.SELLER}, inputs={...})

`take` runs in the caller's transaction: the guards, then the effects in their declared order
(ledger postings, timers armed or cancelled, events), then the state change. Any failure raises
and the caller's transaction rolls back, so a transition commits all of its effects or none.
The subject is any row with `id`, `state`, `process_kind` and `process_version`; the caller
holds its row lock.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.events.service import cancel_timers, schedule_timer
from c2c_api.kit.clock import utcnow
from c2c_api.processes.declarations import (
    CancelTimer,
    Do,
    InputKind,
    Process,
    ProcessDefinitionError,
    Role,
    SetTimer,
    Transition,
)
from c2c_api.processes.errors import (
    TransitionInputInvalid,
    TransitionNotAllowed,
    TransitionNotAvailable,
)


class Subject(Protocol):
    id: uuid.UUID
    state: str
    process_kind: str
    process_version: int


@dataclass
class Step:
    """One transition being taken: what guards and effects see."""

    session: AsyncSession
    subject: Any
    process: Process
    transition: Transition
    role: Role
    actor_member_id: uuid.UUID | None
    inputs: Mapping[str, Any]
    now: datetime
    source: str


StepFn = Callable[[Step], Awaitable[None]]
# When two roles of the caller may take a transition, the first of this order is recorded.
ROLE_PREFERENCE = (Role.BUYER, Role.SELLER, Role.OPERATOR, Role.SYSTEM)


class Engine:
    """The processes of one kind of subject, with the guard and effect functions they name."""

    def __init__(self, *, subject_type: str) -> None:
        self.subject_type = subject_type
        self._processes: dict[tuple[str, int], Process] = {}
        self._guards: dict[str, StepFn] = {}
        self._effects: dict[str, StepFn] = {}

    def declare(self, process: Process) -> Process:
        process.check()
        if process.key in self._processes:
            raise ProcessDefinitionError(f"process {process.kind} v{process.version} twice")
        self._processes[process.key] = process
        return process

    def guard(self, name: str) -> Callable[[StepFn], StepFn]:
        def register(fn: StepFn) -> StepFn:
            self._guards[name] = fn
            return fn

        return register

    def effect(self, name: str) -> Callable[[StepFn], StepFn]:
        def register(fn: StepFn) -> StepFn:
            self._effects[name] = fn
            return fn

        return register

    def verify(self) -> None:
        """Refuse to start unless every process is well formed and every guard and effect it
        names has a function."""
        problems: list[str] = []
        for process in self._processes.values():
            problems.extend(f"{process.kind} v{process.version}: {p}" for p in process.problems())
            for t in process.transitions:
                for g in t.guards:
                    if g not in self._guards:
                        problems.append(f"{process.kind}: guard {g} of {t.name} has no function")
                for e in t.effects:
                    if isinstance(e, Do) and e.name not in self._effects:
                        problems.append(
                            f"{process.kind}: effect {e.name} of {t.name} has no function"
                        )
        if problems:
            raise ProcessDefinitionError("; ".join(problems))

    @property
    def processes(self) -> list[Process]:
        return sorted(self._processes.values(), key=lambda p: (p.kind, p.version))

    def latest(self, kind: str) -> Process:
        versions = [p for p in self._processes.values() if p.kind == kind]
        if not versions:
            raise LookupError(f"no process for {kind}")
        return max(versions, key=lambda p: p.version)

    def process_of(self, subject: Subject) -> Process:
        return self._processes[(subject.process_kind, subject.process_version)]

    def available(self, subject: Subject, roles: Iterable[Role]) -> list[Transition]:
        """The transitions the caller (in these roles) may take from the subject's state."""
        mine = set(roles)
        return [
            t
            for t in self.process_of(subject).leaving(subject.state)
            if t.by & mine and not t.timer
        ]

    async def take(
        self,
        session: AsyncSession,
        subject: Subject,
        *,
        name: str,
        roles: Iterable[Role],
        actor_member_id: uuid.UUID | None = None,
        inputs: Mapping[str, Any] | None = None,
    ) -> Step:
        """Take the transition `name` as the caller in `roles` (guards, effects, new state)."""
        process = self.process_of(subject)
        transition = process.transition(name)
        if transition is None or subject.state not in transition.sources:
            raise TransitionNotAvailable(
                fields=["transition"], context={"state": subject.state, "transition": name}
            )
        role = next((r for r in ROLE_PREFERENCE if r in set(roles) and r in transition.by), None)
        if role is None:
            raise TransitionNotAllowed(fields=["transition"], context={"transition": name})
        step = Step(
            session=session,
            subject=subject,
            process=process,
            transition=transition,
            role=role,
            actor_member_id=actor_member_id,
            inputs=check_inputs(transition, inputs or {}),
            now=utcnow(),
            source=subject.state,
        )
        for guard in transition.guards:
            await self._guards[guard](step)
        cancelled: list[str] = []  # consecutive timer cancels: one statement
        for effect in transition.effects:
            if isinstance(effect, CancelTimer):
                cancelled.append(effect.action)
                continue
            await self._cancel(session, subject, cancelled)
            if isinstance(effect, Do):
                await self._effects[effect.name](step)
            elif isinstance(effect, SetTimer):
                await schedule_timer(
                    session,
                    subject_type=self.subject_type,
                    subject_id=subject.id,
                    action=effect.action,
                    due_at=step.now + process.delays[effect.action],
                )
        await self._cancel(session, subject, cancelled)
        subject.state = transition.target
        return step

    async def _cancel(self, session: AsyncSession, subject: Subject, actions: list[str]) -> None:
        """Cancel the subject's timers of `actions` (then forgets them)."""
        if actions:
            await cancel_timers(
                session, subject_type=self.subject_type, subject_id=subject.id, actions=actions
            )
            actions.clear()

    async def take_timed(
        self, session: AsyncSession, subject: Subject, *, action: str
    ) -> Step | None:
        """The due timer `action` takes its transition from the subject's state; None when
        the subject moved on (the timer no longer applies)."""
        transition = self.process_of(subject).timed(subject.state, action)
        if transition is None:
            return None
        return await self.take(session, subject, name=transition.name, roles={Role.SYSTEM})


def check_inputs(transition: Transition, given: Mapping[str, Any]) -> dict[str, Any]:
    """The transition's inputs, cleaned; refuses missing, unexpected or malformed ones."""
    declared = {i.name: i for i in transition.inputs}
    unexpected = sorted(k for k, v in given.items() if v is not None and k not in declared)
    if unexpected:
        raise TransitionInputInvalid(
            "This transition does not take these inputs.",
            fields=[f"input.{k}" for k in unexpected],
        )
    cleaned: dict[str, Any] = {}
    for spec in transition.inputs:
        value = given.get(spec.name)
        if value is None:
            if spec.required:
                raise TransitionInputInvalid(
                    "This transition needs this input.", fields=[f"input.{spec.name}"]
                )
            continue
        if spec.kind == InputKind.DATETIME:
            if not isinstance(value, datetime) or value.tzinfo is None:
                raise TransitionInputInvalid(
                    "Give a date and time with its time zone.", fields=[f"input.{spec.name}"]
                )
            cleaned[spec.name] = value
            continue
        text = str(value).strip()
        if not text or len(text) > spec.max_length:
            raise TransitionInputInvalid(
                f"Use 1 to {spec.max_length} characters.", fields=[f"input.{spec.name}"]
            )
        if any(ord(c) < 32 or ord(c) == 127 for c in text):
            raise TransitionInputInvalid(
                "Remove the control characters.", fields=[f"input.{spec.name}"]
            )
        cleaned[spec.name] = text
    return cleaned
