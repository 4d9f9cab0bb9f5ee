"""Every client-facing message, found mechanically in the code (not from a hand-kept list).

- the default message (own docstring) of every DomainError subclass;
- the message (first argument or `message=`) of every call to a DomainError class in
  `src/c2c_api`, `super().__init__(...)` inside a DomainError subclass included;
- every text marked with `i18n.translatable(...)` (messages kept in a variable first), given
  to `i18n.translate(...)` where it is used, or given as `detail=` of a REST `problem(...)`.

An f-string becomes a template (`"Use at most {0} characters."`), matched against the
catalogue's templates by its literal parts. Lower-case messages are operator diagnostics
(CLI, demo data) and are not client-facing.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import c2c_api
from c2c_api.errors import DomainError, ErrorCode
from c2c_api.i18n import CATALOGUE, translate

SOURCE_ROOT = Path(c2c_api.__file__).resolve().parent
_PLACEHOLDER = re.compile(r"\{\w*\}")
_FIELD_FIRST = re.compile(r"[a-z]+[A-Z]\w* ")


@dataclass(frozen=True)
class Message:
    """One English message (a template when built with an f-string) and where it comes from."""

    text: str
    origin: str
    codes: frozenset[ErrorCode]
    template: bool = False

    @property
    def client_facing(self) -> bool:
        """Sentences (or a sentence opening with a camelCase field name) reach clients; other
        lower-case messages are operator diagnostics of the CLI and demo data."""
        return self.text[:1].isupper() or _FIELD_FIRST.match(self.text) is not None

    @property
    def french(self) -> str | None:
        """Its French, None when the catalogue has none."""
        return french(self.text, template=self.template)


def import_every_module() -> None:
    """Import all of c2c_api, so that every DomainError subclass exists."""
    for info in pkgutil.walk_packages([str(SOURCE_ROOT)], "c2c_api."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)


def error_classes() -> list[type[DomainError]]:
    """DomainError and every subclass, in a stable order."""
    import_every_module()
    found: dict[str, type[DomainError]] = {}
    stack: list[type[DomainError]] = [DomainError]
    while stack:
        cls = stack.pop()
        found[f"{cls.__module__}.{cls.__qualname__}"] = cls
        stack.extend(cls.__subclasses__())
    return [found[k] for k in sorted(found)]


def _literal_parts(template: str) -> list[str]:
    return _PLACEHOLDER.split(template)


def french(text: str, *, template: bool = False) -> str | None:
    """The French of `text` (exact, or through a catalogue template of the same shape)."""
    catalogue = CATALOGUE["fr"]
    if not template:
        translated = translate(text, "fr")
        return translated if translated != text else None
    parts = _literal_parts(text)
    for key, value in catalogue.items():
        if "{" in key and _literal_parts(key) == parts:
            # The catalogue names its placeholders; show them as the English does ({0}, {1}).
            names = [m.group(0) for m in _PLACEHOLDER.finditer(key)]
            for index, name in enumerate(names):
                value = value.replace(name, f"{{{index}}}")
            return value
    return None


def _text(node: ast.expr) -> tuple[str, bool] | None:
    """(text, is template) of a string literal or f-string; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, False
    if isinstance(node, ast.JoinedStr):
        out, index = [], 0
        for value in node.values:
            if isinstance(value, ast.Constant):
                out.append(str(value.value))
            else:
                out.append(f"{{{index}}}")
                index += 1
        return "".join(out), True
    return None


def _call_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _message_argument(call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "message":
            return keyword.value
    return call.args[0] if call.args else None


def _source_files() -> Iterator[Path]:
    yield from sorted(SOURCE_ROOT.rglob("*.py"))


def collect_messages() -> list[Message]:
    """Every message a DomainError may carry (see the module docstring)."""
    classes = error_classes()
    by_name: dict[str, set[ErrorCode]] = {}
    for cls in classes:
        by_name.setdefault(cls.__name__, set()).add(cls.code)
    messages: list[Message] = []
    for cls in classes:
        doc = cls.__dict__.get("__doc__")
        if doc and cls is not DomainError:  # the base is abstract: never raised as such
            origin = f"{cls.__module__}.{cls.__qualname__}"
            messages.append(Message(doc, origin, frozenset({cls.code})))
    for path in _source_files():
        module = "c2c_api." + ".".join(path.relative_to(SOURCE_ROOT).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        messages.extend(_messages_in(tree, module, by_name))
    return messages


def _messages_in(
    tree: ast.Module, module: str, by_name: dict[str, set[ErrorCode]]
) -> list[Message]:
    found: list[Message] = []
    # `super().__init__(...)` inside a DomainError subclass: the class's own code.
    owner: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name in by_name:
            for inner in ast.walk(node):
                owner[id(inner)] = node.name
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        codes: set[ErrorCode] | None = None
        if name == "translatable":
            codes = set()
        elif name in ("problem", "translate"):
            codes = set()  # a REST problem's detail, or a text translated where it is used
        elif name in by_name:
            codes = by_name[name]
        elif name == "__init__" and id(node) in owner:
            codes = by_name[owner[id(node)]]
        if codes is None:
            continue
        argument = node.args[0] if name in ("translatable", "translate") and node.args else None
        if name == "problem":
            argument = next((k.value for k in node.keywords if k.arg == "detail"), None)
        argument = argument or _message_argument(node)
        text = _text(argument) if argument is not None else None
        if text is not None:
            origin = module  # no line number: the page would go stale at every edit
            found.append(Message(text[0], origin, frozenset(codes), template=text[1]))
    return found


def untranslated() -> list[Message]:
    """Client-facing messages without French (a test keeps this empty)."""
    return [m for m in collect_messages() if m.client_facing and m.french is None]
