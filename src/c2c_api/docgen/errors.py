"""docs/errors.md: every error code, its meaning, its messages in English and French, and where
it appears (GraphQL payload or extensions, REST problem status). `c2c-api docs errors`."""

from __future__ import annotations

import ast
from collections import defaultdict

from c2c_api.docgen.messages import SOURCE_ROOT, Message, collect_messages, error_classes
from c2c_api.errors import DESCRIPTIONS, DomainError, ErrorCode, ReplayedError
from c2c_api.graphql.extensions import _REQUEST_ERROR_CODES
from c2c_api.rest.problems import DEFAULT_DOMAIN_STATUS, status_of

# Codes of the transports themselves (GraphQL over HTTP, request limits, masking), not domain
# errors: English only, meant for developers. A test fails when the code sets one not listed.
TRANSPORT_CODES: dict[str, str] = {
    "GRAPHQL_PARSE_FAILED": "The document is not valid GraphQL syntax (nothing ran).",
    "GRAPHQL_VALIDATION_FAILED": (
        "The document does not validate against the schema (unknown field, wrong argument "
        "type, missing variable, ...); nothing ran."
    ),
    "TOKEN_LIMIT_EXCEEDED": "The document has more tokens than allowed (nothing ran).",
    "DEPTH_LIMIT_EXCEEDED": "The document nests deeper than allowed (nothing ran).",
    "ALIAS_LIMIT_EXCEEDED": "The document uses more aliases than allowed (nothing ran).",
    "INTERNAL_SERVER_ERROR": (
        "An unexpected failure (a bug or an outage), masked; `requestId` finds it in the logs."
    ),
    "BAD_REQUEST": "The HTTP request is not a valid GraphQL-over-HTTP request.",
    "MALFORMED_JSON": "The body (or a multipart field) is not valid JSON.",
    "CSRF_PREFLIGHT_REQUIRED": (
        "A multipart request without Authorization needs a GraphQL-Require-Preflight header."
    ),
    "UNSUPPORTED_MEDIA_TYPE": "The Content-Type (or charset, or upload type) is not accepted.",
    "METHOD_NOT_ALLOWED": "GET for a mutation, or an HTTP method the endpoint does not take.",
    "NOT_ACCEPTABLE": "The Accept header names no media type the endpoint answers with.",
    "REQUEST_TOO_LARGE": "The body is larger than the endpoint accepts.",
    "COST_LIMIT_EXCEEDED": (
        "The document costs more than the caller's maximum per request (`cost`, `maximum`; "
        "docs/limits.md); nothing ran."
    ),
    "STATEMENT_TIMEOUT": (
        "A field's SQL statement ran past C2C_DATABASE_STATEMENT_TIMEOUT_MS; that field is "
        "null, the rest of the response answers."
    ),
    "INVALID_STRING": (
        "A string (or object key) of `variables` holds a lone UTF-16 surrogate: not Unicode "
        "text (nothing ran)."
    ),
    "INPUT_TOO_DEEP": (
        "`variables` or a literal nest lists/objects deeper than allowed, or the document is "
        "nested beyond what the parser follows (nothing ran)."
    ),
}

GRAPHQL_WHERE: dict[ErrorCode, str] = {
    ErrorCode.UNAUTHENTICATED: (
        "`extensions.code` when a field's scope check fails (mutations included: checked before "
        "the resolver); `UserError.code` when a mutation's use case refuses the caller"
    ),
    ErrorCode.INSUFFICIENT_SCOPE: (
        "`extensions.code` (with `requiredScopes`), on any field, mutations included: checked "
        "before the resolver"
    ),
}
DEFAULT_GRAPHQL_WHERE = (
    "`UserError.code` in a mutation's payload; `extensions.code` on the error of any other field"
)


def rest_status(cls: type[DomainError]) -> int:
    """The status of a domain error over REST (rest/problems.py's tables)."""
    return status_of(cls)


def transport_codes_in_source() -> set[str]:
    """Codes set by the transports (`code="..."`, `{"code": "..."}`, limit codes), literally or
    through a module constant (`{"code": STATEMENT_TIMEOUT}` with `STATEMENT_TIMEOUT = "..."`)."""
    found = {code for _, code in _REQUEST_ERROR_CODES}
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in sorted(SOURCE_ROOT.rglob("*.py"))]
    constants: dict[str, str] = {}
    for tree in trees:
        for stmt in tree.body:
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            ):
                constants[stmt.targets[0].id] = stmt.value.value

    def value_of(node: ast.expr | None) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return constants.get(node.id)
        return None

    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "code":
                code = value_of(node.value)
                if code is not None:
                    found.add(code)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "code":
                        code = value_of(value)
                        if code is not None:
                            found.add(code)
    return {c for c in found if c not in ErrorCode.__members__}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _message_rows(messages: list[Message]) -> list[str]:
    origins: dict[str, list[str]] = defaultdict(list)
    first: dict[str, Message] = {}
    for m in messages:
        origins[m.text].append(m.origin)
        first.setdefault(m.text, m)
    rows = []
    for text in sorted(first):
        m = first[text]
        fr = m.french or "(missing)"
        where = ", ".join(f"`{o}`" for o in sorted(set(origins[text])))
        rows.append(f"| {_cell(text)} | {_cell(fr)} | {where} |")
    return rows


def render() -> str:
    """The page's text."""
    # A ReplayedError answers any code again, as its original did: not a code's class.
    classes = [c for c in error_classes() if c not in (DomainError, ReplayedError)]
    messages = [m for m in collect_messages() if m.client_facing]
    lines = [
        "# Error codes",
        "",
        "<!-- Generated by `c2c-api docs errors` (make docs) from the code: do not edit. -->",
        "",
        "Every expected failure has a stable `code` (GraphQL enum `ErrorCode`), a message in the",
        "caller's language (English or French, chosen by `Accept-Language`) and, when it is about",
        "input, `fields` naming the input at fault (camelCase paths such as `sale.price`).",
        "",
        "- **GraphQL mutations** answer a union payload: the success type or `UserError { code",
        "  message fields }`. Only a missing scope or a bug is a GraphQL error in a mutation.",
        "- **Other GraphQL fields** answer `null` and an error whose `extensions.code` is the code",
        "  (plus its context, e.g. `requiredScopes`); root Query fields are nullable, so the",
        "  siblings of a failing field keep their data (docs/schema-changes.md).",
        "- **REST** answers RFC 9457 `application/problem+json` with `code`, `detail` (the",
        "  message), `fields` and the HTTP status given below.",
        "",
        "Messages written `{0}` carry a value (a limit, a name) in the place of the placeholder.",
        "",
    ]
    by_code: dict[ErrorCode, list[type[DomainError]]] = defaultdict(list)
    for cls in classes:
        by_code[cls.code].append(cls)
    for code in ErrorCode:
        code_classes = by_code.get(code, [])
        statuses = sorted({rest_status(c) for c in code_classes}) or [DEFAULT_DOMAIN_STATUS]
        lines += [
            f"## `{code.value}`",
            "",
            DESCRIPTIONS.get(code, "(no description)"),
            "",
            f"- GraphQL: {GRAPHQL_WHERE.get(code, DEFAULT_GRAPHQL_WHERE)}.",
            f"- REST: problem+json, HTTP {' or '.join(str(s) for s in statuses)}.",
        ]
        if code_classes:
            names = ", ".join(f"`{c.__module__}.{c.__qualname__}`" for c in code_classes)
            lines.append(f"- Raised as: {names}.")
        own = [m for m in messages if code in m.codes]
        if own:
            lines += ["", "| English | French | from |", "|---|---|---|", *_message_rows(own)]
        lines.append("")
    detail = [m for m in messages if not m.codes]
    lines += [
        "## Other messages",
        "",
        "Messages about one input field, kept in a variable before they reach an error (most with",
        "`INVALID_INPUT`, those of `kit.passwords` with `WEAK_PASSWORD`; when several fields are",
        'wrong the message is "Several fields are not valid." and `fields` lists them), and the',
        "`detail` of REST problems set by the transports (codes below).",
        "",
        "| English | French | from |",
        "|---|---|---|",
        *_message_rows(detail),
        "",
        "## Request and transport codes",
        "",
        "Set by the transports before or around execution (GraphQL over HTTP, limits, masking):",
        "`extensions.code` in a GraphQL response, or `code` of a problem. Their messages are for",
        "developers and stay in English.",
        "",
        "| code | meaning |",
        "|---|---|",
        *[
            f"| `{c}` | {_cell(TRANSPORT_CODES.get(c, '(no description)'))} |"
            for c in sorted(set(TRANSPORT_CODES) | transport_codes_in_source())
        ],
        "",
    ]
    return "\n".join(lines)
