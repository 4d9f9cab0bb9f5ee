"""Normalised views of a message that remember where each character came from.

A scam message hides what it carries: accents and capitals ("WhatsApp", "télégram"),
leetspeak ("wh4tsapp"), spaced letters ("g m a i l"), spelled-out symbols ("arobase",
"point com") and spelled-out digits ("zéro six douze"). The detectors read a `View`: the
rewritten text plus, for each of its characters, the span of the original text it came from,
so every warning points at the original message.

Every rewrite is one left-to-right pass of a regular expression whose alternatives cannot
overlap each other (no nested quantifiers over the same characters): the cost is linear in
the length of the message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class View:
    """`text` rewritten; `text[i]` came from `original[starts[i]:ends[i]]`."""

    text: str
    starts: list[int]
    ends: list[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that `self.text[start:end]` came from."""
        return self.starts[start], self.ends[end - 1]


# Invisible characters dropped before anything else: zero-width spaces and joiners, the soft
# hyphen, variation selectors and the keycap mark ("0️⃣6️⃣" reads "06").
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff\ufe0e\ufe0f\u20e3")
_PUNCT = {
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u00b4": "'", "`": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\t": " ",
    "\uff20": "@", "\u2022": " ", "\u00b7": " ",
}  # fmt: skip


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in _INVISIBLE:
        return ""
    if ch in _PUNCT:
        return _PUNCT[ch]
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_NON_ASCII = re.compile(r"[^\x00-\x7f]|\t")


def fold(text: str) -> View:
    """Lower case, accents and compatibility forms removed (full-width digits, ligatures),
    invisible characters dropped, typographic quotes, dashes and spaces made plain."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last = 0
    # ASCII stretches are copied whole; only the other characters go one by one.
    for match in _NON_ASCII.finditer(text):
        i = match.start()
        if i > last:
            out.append(text[last:i].lower())
            starts.extend(range(last, i))
            ends.extend(range(last + 1, i + 1))
        folded = _fold_char(match.group(0))
        out.append(folded)
        starts.extend([i] * len(folded))
        ends.extend([i + 1] * len(folded))
        last = i + 1
    if last < len(text):
        out.append(text[last:].lower())
        starts.extend(range(last, len(text)))
        ends.extend(range(last + 1, len(text) + 1))
    return View("".join(out), starts, ends)


def rewrite(view: View, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str]) -> View:
    """`view` with each match of `pattern` replaced by `replace(match)`; the replacement's
    characters come from the whole span the match came from."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last = 0
    for match in pattern.finditer(view.text):
        a, b = match.span()
        new = replace(match)
        if new == match.group(0):
            continue
        out.append(view.text[last:a])
        starts.extend(view.starts[last:a])
        ends.extend(view.ends[last:a])
        if new:
            origin_start = view.starts[a] if a < len(view.starts) else view.ends[-1]
            origin_end = view.ends[b - 1] if b > a else origin_start
            out.append(new)
            starts.extend([origin_start] * len(new))
            ends.extend([origin_end] * len(new))
        last = b
    if last == 0 and not out:
        return view
    out.append(view.text[last:])
    starts.extend(view.starts[last:])
    ends.extend(view.ends[last:])
    return View("".join(out), starts, ends)


# --- words: leetspeak and spaced letters -------------------------------------------------

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s"})
# Tokens mixing letters and digits (only those: a callback per plain word would cost more).
_MIXED_TOKEN = re.compile(
    r"(?<![a-z0-9$])(?:[a-z]+[0-9$]|[0-9$]+[a-z])[a-z0-9$]{1,38}(?![a-z0-9$])"
)


def _unleet(match: re.Match[str]) -> str:
    token = match.group(0)
    letters = sum(c.isalpha() for c in token)
    if letters < 3 or letters == len(token):
        return token
    # Digits standing between letters are letters in disguise ("wh4tsapp", "t3l3gram", "g00gle"),
    # and one at either end ("paypa1"); "10h30", "42eu", "iphone13", "50cm" keep theirs.
    for run in re.finditer(r"[^a-z]+", token):
        inside = run.start() > 0 and run.end() < len(token)
        if not (inside or len(run.group(0)) == 1) or len(run.group(0)) > 2:
            return token
        if any(c not in "013457$" for c in run.group(0)):
            return token
    return token.translate(_LEET)


# Four or more single letters or digits, each separated by one or two separators: "g m a i l",
# "w.h.a.t.s.a.p.p", "t-e-l-e-g-r-a-m".
_SPACED = re.compile(r"(?<![a-z0-9])[a-z0-9](?:[ .\-_*/|]{1,2}[a-z0-9](?![a-z0-9])){3,}")


def _join_spaced(match: re.Match[str]) -> str:
    return re.sub(r"[^a-z0-9]", "", match.group(0))


def words(folded: View) -> View:
    """The folded view with leetspeak undone and spaced-out letters joined into words."""
    return rewrite(rewrite(folded, _MIXED_TOKEN, _unleet), _SPACED, _join_spaced)


# --- spelled-out symbols: addresses and links ----------------------------------------------

TLDS = "com|fr|net|org|eu|be|ch|lu|ca|uk|de|es|it|io|co|me|info|biz|xyz|app|ly|gg|us|online|site"
WEBMAILS = (
    "gmail|hotmail|yahoo|outlook|icloud|orange|wanadoo|laposte|free|sfr|protonmail|gmx|aol|live|msn"
)
# "@" spelled out: in brackets, "arobase", or a bare " at " that a spelled-out address
# follows ("mike at yahoo dot com", "sarah at gmail.com"); "pay me at paypal.me" stays.
_AT = re.compile(
    r"\s*[(\[{<]\s*(?:at|arobase|arrobase|@)\s*[)\]}>]\s*"
    r"|\s+(?:arobase|arrobase|arobaz|arobas)\s+"
    r"|\s+at\s+(?=[a-z0-9-]{2,63}\s*[(\[]?\s*(?:dot|point)\s*[)\]]?\s*(?:" + TLDS + r")\b"
    r"|(?:" + WEBMAILS + r")\s*(?:\.|[(\[]?\s*(?:dot|point)\b))"
)
_DOT = re.compile(
    r"\s*[(\[{<]\s*(?:dot|point|\.)\s*[)\]}>]\s*(?=[a-z])"
    r"|\s+(?:dot|point)\s+(?=(?:" + TLDS + r")\b)"
    r"|(?<=[a-z0-9])\s+\.\s*(?=(?:" + TLDS + r")\b)|(?<=[a-z0-9])\.\s+(?=(?:" + TLDS + r")\b)"
)


# Cheap tests first (patterns that start with a literal are scanned for in C).
_MAY_SPELL_AT = re.compile(r" at |aroba|arroba|[(\[{<] ?(?:at|@)")
_MAY_SPELL_DOT = re.compile(r"dot|point|[(\[{<] ?\.|\s\.|\.\s+(?:" + TLDS + r")\b")


def addresses(word_view: View) -> View:
    """The word view with "arobase", "(at)", " at " (before a domain) read as "@" and
    "point", "dot", "(.)" (before a top-level domain) read as "."."""
    view = word_view
    if _MAY_SPELL_AT.search(view.text):
        view = rewrite(view, _AT, lambda m: "@")
    if _MAY_SPELL_DOT.search(view.text):
        view = rewrite(view, _DOT, lambda m: ".")
    return view


# --- spelled-out digits -------------------------------------------------------------------

_UNITS = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9,
    "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8,
    "nine": 9,
}  # fmt: skip
_TEENS = {
    "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15,
    "seize": 16, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
    "septante": 70, "huitante": 80, "octante": 80, "nonante": 90,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TEENS, *_TENS, "double"], key=len, reverse=True))
# A run of number words (and digits) joined by spaces, hyphens, commas or "et"/"and".
_NUMBER_RUN = re.compile(
    r"(?<![a-z0-9])(?:" + _NUMBER_WORD + r"|\d{1,4})(?![a-z0-9])"
    r"(?:(?:[ ,\-]{1,3}|\s(?:et|and)\s)(?:" + _NUMBER_WORD + r"|\d{1,4})(?![a-z0-9]))*"
)
_TOKEN = re.compile(r"[a-z]+|\d+")
# A number word glued to a digit, a way to slip a number past a filter: "zero6 12 3quatre 56
# 7huit". Not "un"/"une"/"one"/"oh" (they end or start too many words and codes).
_GLUED_WORD = "|".join(
    sorted(
        (w for w in [*_UNITS, *_TEENS, *_TENS] if w not in ("un", "une", "one", "oh")),
        key=len,
        reverse=True,
    )
)
_GLUED = re.compile(
    r"(?<=\d)(?:" + _GLUED_WORD + r")(?![a-z])|(?<![a-z])(?:" + _GLUED_WORD + r")(?=\d)"
)


def _unglue(text: str, m: re.Match[str]) -> str:
    return " " + m.group(0) if m.start() > 0 and text[m.start() - 1].isdigit() else m.group(0) + " "


def _spell_out(tokens: list[str]) -> str:
    """Digits of a run of number words: pairs as French and English dictate phone numbers
    ("zero six, douze, soixante-dix-huit" is 061278; "quatre-vingt-douze" is 92)."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.isdigit():
            out.append(t)
            i += 1
        elif t == "double" and i + 1 < len(tokens) and tokens[i + 1] in _UNITS:
            out.append(str(_UNITS[tokens[i + 1]]) * 2)
            i += 2
        elif t == "quatre" and i + 1 < len(tokens) and tokens[i + 1] in ("vingt", "vingts"):
            tokens = [*tokens[:i], "huitante", *tokens[i + 2 :]]
        elif t in _TENS:
            value = _TENS[t]
            i += 1
            if i < len(tokens) and tokens[i] in ("et", "and"):
                i += 1
            if value in (60, 80) and i < len(tokens) and tokens[i] in _TEENS:
                extra = _TEENS[tokens[i]]
                i += 1
                if extra == 10 and i < len(tokens) and tokens[i] in _UNITS and tokens[i] != "oh":
                    extra += _UNITS[tokens[i]]  # soixante-dix-huit
                    i += 1
                value += extra
            elif i < len(tokens) and tokens[i] in _UNITS and _UNITS[tokens[i]] > 0:
                value += _UNITS[tokens[i]]
                i += 1
            out.append(str(value))
        elif t in _TEENS:
            value = _TEENS[t]
            i += 1
            if value == 10 and i < len(tokens) and tokens[i] in _UNITS and tokens[i] != "oh":
                value += _UNITS[tokens[i]]  # dix-sept, dix-huit, dix-neuf
                i += 1
            out.append(str(value))
        elif t in _UNITS:
            out.append(str(_UNITS[t]))
            i += 1
        else:  # "et", "and", "double" alone
            i += 1
    return " ".join(out)


def _digits_of_run(match: re.Match[str]) -> str:
    run = match.group(0)
    tokens = [t for t in _TOKEN.findall(run) if t not in ("et", "and")]
    words_in_run = sum(not t.isdigit() for t in tokens)
    # A lone number word is an article or a quantity ("un vélo", "deux pulls"), unless it
    # stands among digits ("06 douze 34 56 78").
    if words_in_run == 0 or (words_in_run == 1 and len(tokens) < 3):
        return run
    # Digits said in one breath are one group; commas separate groups ("four one five, five
    # five five, two six seven one" is 415 555 2671).
    return " ".join(
        _spell_out(_TOKEN.findall(part)).replace(" ", "") for part in run.split(",") if part.strip()
    )


# Letters standing for digits inside a run of digits: "O6 I2 34 56 78".
# (Every run of digits is matched, the callback keeps those holding a letter: a pattern that
# searched for the letter would backtrack over long runs of digits.)
_LETTER_DIGITS = re.compile(r"[0-9oil]*\d[0-9oil]*")
_ODD_SEPARATOR = re.compile(r"[*_|~,;•]{1,2}(?= ?\d)")
# A date with its year ("01/02/2024", "14.09.2025") is not the start of a phone number.
_DATE = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-](?:19|20)\d{2}(?!\d)")
_PLUS = re.compile(r"plus ?(?=\d)")


def digits(folded: View) -> View:
    """The folded view with spelled-out digits written as digits, "O"/"I" among digits read
    as 0/1, odd separators between digits made spaces and "plus 33" read as "+33"."""
    view = rewrite(folded, _DATE, lambda m: "date")
    view = rewrite(view, _GLUED, lambda m: _unglue(view.text, m))
    view = rewrite(view, _NUMBER_RUN, _digits_of_run)
    view = rewrite(view, _LETTER_DIGITS, lambda m: _digits_for_letters(view.text, m))
    view = rewrite(view, _ODD_SEPARATOR, lambda m: _space_between_digits(view.text, m))
    if "plus" not in view.text:
        return view
    return rewrite(view, _PLUS, lambda m: m.group(0) if _glued(view.text, m) else "+")


def _glued(text: str, m: re.Match[str]) -> bool:
    """Whether the match is inside a word or a number rather than a token of its own."""
    before = text[m.start() - 1] if m.start() else " "
    after = text[m.end()] if m.end() < len(text) else " "
    return before.isalnum() or (after.isalpha() and not m.group(0)[-1].isdigit())


def _digits_for_letters(text: str, m: re.Match[str]) -> str:
    if m.group(0).isdigit() or _glued(text, m):
        return m.group(0)
    return m.group(0).replace("o", "0").replace("i", "1").replace("l", "1")


def _space_between_digits(text: str, m: re.Match[str]) -> str:
    before = text[m.start() - 1 : m.start()]
    before2 = text[m.start() - 2 : m.start()]
    return " " if before.isdigit() or (before == " " and before2[:1].isdigit()) else m.group(0)
