"""Processes declared as data: states, transitions, who takes each, guards, effects, timers.

A process is checked when it is declared (`Process.problems`): every state is reachable from
the initial one, every non-terminal state has a way out, terminal states have none, names are
unique and every transition names known states. The engine (engine.py) refuses to start on a
process with a problem; docs.py prints the declarations as docs/processes.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum


class Role(StrEnum):
    """Who takes a transition: a party to the deal, an operator, or the system (a timer, a
    payment provider's confirmation)."""

    BUYER = "BUYER"
    SELLER = "SELLER"
    OPERATOR = "OPERATOR"
    SYSTEM = "SYSTEM"


class InputKind(StrEnum):
    TEXT = "TEXT"
    DATETIME = "DATETIME"
    CODE = "CODE"


@dataclass(frozen=True)
class InputField:
    """An input a transition needs from its caller (camelCase, as in the GraphQL input)."""

    name: str
    kind: InputKind
    label_en: str
    label_fr: str
    required: bool = True
    max_length: int = 200


@dataclass(frozen=True)
class State:
    name: str
    label_en: str
    label_fr: str
    terminal: bool = False
    description: str = ""


@dataclass(frozen=True)
class Do:
    """Run the named effect (a function the domain registers with the engine)."""

    name: str

    def describe(self) -> str:
        return self.name


@dataclass(frozen=True)
class SetTimer:
    """Arm the subject's timer `action`, due after the process's delay of the same name."""

    action: str

    def describe(self) -> str:
        return f"set timer {self.action}"


@dataclass(frozen=True)
class CancelTimer:
    action: str

    def describe(self) -> str:
        return f"cancel timer {self.action}"


Effect = Do | SetTimer | CancelTimer


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    by: frozenset[Role]
    label_en: str
    label_fr: str
    description: str = ""
    inputs: tuple[InputField, ...] = ()
    guards: tuple[str, ...] = ()
    effects: tuple[Effect, ...] = ()
    # The timer action that takes this transition when it is due (taken by Role.SYSTEM).
    timer: str | None = None

    @property
    def timers_set(self) -> list[str]:
        return [e.action for e in self.effects if isinstance(e, SetTimer)]

    @property
    def timers_cancelled(self) -> list[str]:
        return [e.action for e in self.effects if isinstance(e, CancelTimer)]


class ProcessDefinitionError(ValueError):
    """A declared process is not a well-formed state machine (the engine refuses to start)."""


@dataclass(frozen=True)
class Process:
    """One kind's process at one version. Orders keep the version they started under."""

    kind: str
    version: int
    initial: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    # The default delay of each timer the process arms (SetTimer(action)).
    delays: Mapping[str, timedelta] = field(default_factory=dict)
    description: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.version)

    def state(self, name: str) -> State:
        for s in self.states:
            if s.name == name:
                return s
        raise KeyError(name)

    def transition(self, name: str) -> Transition | None:
        for t in self.transitions:
            if t.name == name:
                return t
        return None

    def leaving(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def timed(self, state: str, action: str) -> Transition | None:
        """The transition the timer `action` takes from `state`, if any."""
        for t in self.leaving(state):
            if t.timer == action:
                return t
        return None

    def problems(self) -> list[str]:
        """Every way this process is not a well-formed state machine (empty: it is)."""
        found: list[str] = []
        names = [s.name for s in self.states]
        known = set(names)
        for dup in sorted({n for n in names if names.count(n) > 1}):
            found.append(f"state {dup} is declared twice")
        tnames = [t.name for t in self.transitions]
        for dup in sorted({n for n in tnames if tnames.count(n) > 1}):
            found.append(f"transition {dup} is declared twice")
        if self.initial not in known:
            found.append(f"initial state {self.initial} is not declared")
        for t in self.transitions:
            for name in (*t.sources, t.target):
                if name not in known:
                    found.append(f"transition {t.name} names unknown state {name}")
            if not t.sources:
                found.append(f"transition {t.name} has no source state")
            if not t.by:
                found.append(f"transition {t.name} names nobody who may take it")
            if t.timer is not None and t.by != frozenset({Role.SYSTEM}):
                found.append(f"transition {t.name} is taken by a timer: only SYSTEM takes it")
            for action in t.timers_set:
                if action not in self.delays:
                    found.append(f"transition {t.name} sets timer {action} with no delay")
        timer_actions = {t.timer for t in self.transitions if t.timer}
        armed = {a for t in self.transitions for a in t.timers_set}
        for action in sorted(timer_actions - armed):
            found.append(f"timer {action} takes a transition but nothing arms it")
        for action in sorted(armed - timer_actions):
            found.append(f"timer {action} is armed but takes no transition")
        reachable = {self.initial}
        frontier = [self.initial]
        while frontier:
            here = frontier.pop()
            for t in self.leaving(here):
                if t.target not in reachable:
                    reachable.add(t.target)
                    frontier.append(t.target)
        for s in self.states:
            if s.name not in reachable:
                found.append(f"state {s.name} is unreachable from {self.initial}")
            out = self.leaving(s.name)
            if s.terminal and out:
                found.append(f"terminal state {s.name} has transitions out")
            if not s.terminal and not out:
                found.append(f"state {s.name} has no way out and is not terminal")
        # Every non-terminal state must be able to end: some terminal state is reachable from it.
        terminals = {s.name for s in self.states if s.terminal}
        for s in self.states:
            if s.terminal or s.name not in known:
                continue
            seen = {s.name}
            stack = [s.name]
            ends = False
            while stack and not ends:
                for t in self.leaving(stack.pop()):
                    if t.target in terminals:
                        ends = True
                        break
                    if t.target not in seen:
                        seen.add(t.target)
                        stack.append(t.target)
            if not ends and self.leaving(s.name):
                found.append(f"state {s.name} can never reach a terminal state")
        return found

    def check(self) -> None:
        problems = self.problems()
        if problems:
            raise ProcessDefinitionError(
                f"process {self.kind} v{self.version}: " + "; ".join(problems)
            )
