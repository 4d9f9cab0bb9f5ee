"""Checks on user text shared by every domain (names, titles, free text)."""

from __future__ import annotations

import unicodedata

LINE_BREAKS = "\n\t\r"


def has_control_characters(text: str, *, allow_line_breaks: bool = False) -> bool:
    """Whether `text` holds a control character (Unicode category Cc: NUL, ESC, C1, ...).

    Names and titles hold none; free text may hold line breaks and tabs. PostgreSQL refuses
    NUL in text outright, so a NUL reaching the database would be an error, not a value.
    """
    allowed = LINE_BREAKS if allow_line_breaks else ""
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in text)
