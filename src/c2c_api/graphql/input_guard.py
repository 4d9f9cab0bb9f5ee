"""Hostile input refused before execution, in one place, with a code (docs/graphql-over-http.md).

Checked for every document and its variables, whatever the transport, before validation runs:

- INVALID_STRING         a lone UTF-16 surrogate (`"\\ud800"` in JSON) in a variable's string or
                         object key: such a string cannot be stored, compared or encoded in UTF-8
                         (an escaped surrogate in the document itself is a GRAPHQL_PARSE_FAILED)
- INPUT_TOO_DEEP         variables or literals nested deeper than MAX_INPUT_DEPTH (lists and
                         objects, e.g. a JSON attributes value), or a document nested deeper
                         than the parser can follow
- DEPTH_LIMIT_EXCEEDED   fragments spread into fragments more than MAX_FRAGMENT_NESTING deep
                         (the depth limiter follows them recursively)
- GRAPHQL_VALIDATION_FAILED  an Int literal longer than MAX_INT_LITERAL_DIGITS digits

Each is answered like a validation error: nothing ran, no `data`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import (
    BREAK,
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    IntValueNode,
    Node,
    Visitor,
    visit,
)
from strawberry.extensions import ParserCache, ValidationCache

MAX_INPUT_DEPTH = 32
MAX_FRAGMENT_NESTING = 32
# An Int is 32-bit (11 characters with the sign); longer literals also break Python's int().
MAX_INT_LITERAL_DIGITS = 50


def _refusal(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def variables_problem(variables: Any) -> GraphQLError | None:
    """The first hostile value in the variables (walked without recursion), if any."""
    stack: list[tuple[Any, int]] = [(variables, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if not _encodable(value):
                return _refusal(
                    "A string holds a lone UTF-16 surrogate; send valid Unicode text.",
                    "INVALID_STRING",
                )
        elif isinstance(value, dict | list):
            if depth >= MAX_INPUT_DEPTH:
                return _refusal(
                    f"The input is nested more than {MAX_INPUT_DEPTH} levels deep.",
                    "INPUT_TOO_DEEP",
                )
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    stack.append((key, depth + 1))
                stack.append((item, depth + 1))
    return None


class _LiteralsAndSpreads(Visitor):
    """Finds an over-long Int literal or a too deep value, and each fragment's spreads.

    graphql-core's `visit` keeps its own stack: no recursion, whatever the document.
    """

    def __init__(self) -> None:
        super().__init__()
        self.too_long: IntValueNode | None = None
        self.too_deep: Node | None = None
        self._value_depth = 0
        self.spreads: dict[str, set[str]] = {}
        self._fragment: str | None = None

    def enter_object_value(self, node: Node, *_: Any) -> Any:
        return self._deeper(node)

    def enter_list_value(self, node: Node, *_: Any) -> Any:
        return self._deeper(node)

    def leave_object_value(self, *_: Any) -> None:
        self._value_depth -= 1

    def leave_list_value(self, *_: Any) -> None:
        self._value_depth -= 1

    def _deeper(self, node: Node) -> Any:
        self._value_depth += 1
        if self._value_depth > MAX_INPUT_DEPTH:
            self.too_deep = node
            return BREAK
        return None

    def enter_int_value(self, node: IntValueNode, *_: Any) -> Any:
        if len(node.value.lstrip("-")) > MAX_INT_LITERAL_DIGITS:
            self.too_long = node
            return BREAK
        return None

    def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: Any) -> None:
        self._fragment = node.name.value
        self.spreads.setdefault(self._fragment, set())

    def leave_fragment_definition(self, *_: Any) -> None:
        self._fragment = None

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        if self._fragment is not None:
            self.spreads[self._fragment].add(node.name.value)


def _fragment_nesting_exceeds(spreads: dict[str, set[str]], limit: int) -> bool:
    """Whether a chain of fragments spread into fragments is longer than `limit`.

    Longest chains by relaxation (no recursion); cycles are NoFragmentCycles' to report, and
    count as long chains here, which only stops the depth limiter from following them.
    """
    depth = dict.fromkeys(spreads, 0)
    for _ in range(limit + 1):
        changed = False
        for name, children in spreads.items():
            longest = max((depth.get(c, -1) + 1 for c in children if c in depth), default=0)
            if longest > depth[name]:
                depth[name] = longest
                changed = True
        if not changed:
            return False
    return True


# Per query text (hashing a DocumentNode walks the whole tree): the problem's message, code and
# node, or None. Errors are built afresh per request (they are shaped in place later).
_seen: OrderedDict[str, tuple[str, str, Node | None] | None] = OrderedDict()
CACHE_SIZE = 1024


def _find_problem(document: DocumentNode) -> tuple[str, str, Node | None] | None:
    finder = _LiteralsAndSpreads()
    visit(document, finder)
    if finder.too_long is not None:
        return (
            f"Int literals have at most {MAX_INT_LITERAL_DIGITS} digits.",
            "GRAPHQL_VALIDATION_FAILED",
            finder.too_long,
        )
    if finder.too_deep is not None:
        return (
            f"The input is nested more than {MAX_INPUT_DEPTH} levels deep.",
            "INPUT_TOO_DEEP",
            finder.too_deep,
        )
    if _fragment_nesting_exceeds(finder.spreads, MAX_FRAGMENT_NESTING):
        return (
            f"Fragments are nested more than {MAX_FRAGMENT_NESTING} levels deep: the document "
            "exceeds maximum operation depth.",
            "DEPTH_LIMIT_EXCEEDED",
            None,
        )
    return None


def document_problem(query: str, document: DocumentNode) -> GraphQLError | None:
    """The first hostile construct of a parsed document (cached per query text), if any."""
    if query in _seen:
        _seen.move_to_end(query)
        found = _seen[query]
    else:
        found = _seen[query] = _find_problem(document)
        if len(_seen) > CACHE_SIZE:
            _seen.popitem(last=False)
    if found is None:
        return None
    message, code, node = found
    return GraphQLError(message, node, extensions={"code": code})


class GuardedParserCache(ParserCache):
    """ParserCache; a document nested beyond the parser's reach is INPUT_TOO_DEEP."""

    def on_parse(self) -> Iterator[None]:
        try:
            yield from super().on_parse()
        except RecursionError:
            raise _refusal(
                "The document is nested too deeply to be read.", "INPUT_TOO_DEEP"
            ) from None


class GuardedValidationCache(ValidationCache):
    """ValidationCache, after the checks above: a refused request is not validated at all."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        problem = variables_problem(context.variables)
        if problem is None and document is not None and context.query:
            problem = document_problem(context.query, document)
        if problem is not None:
            context.pre_execution_errors = [problem]
            yield
            return
        try:
            validated = super().on_validate()
            next(validated)
        except RecursionError:
            context.pre_execution_errors = [
                _refusal("The document exceeds maximum operation depth.", "DEPTH_LIMIT_EXCEEDED")
            ]
            yield
            return
        yield
