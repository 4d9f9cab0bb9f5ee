"""The detectors behind scan_message: each returns the spans of the original text it flags.

Phone numbers are validated by libphonenumber (`phonenumbers`) and IBANs by
`stdnum.iban` (country format and mod-97 check digits); our own patterns only find
candidates, so a price, a date, a postcode or an order number is not taken for a phone
number unless it is one. Words (apps, invitations) are matched on the normalised views of
text.py: accents, capitals, leetspeak and spaced letters do not hide them.

No pattern nests a quantifier inside another over the same characters, and every run is
bounded: the scan is linear in the length of the message (docs/messaging.md, "Speed").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum import numdb

from c2c_api.trust.text import TLDS, View, addresses, digits, fold, words

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Views:
    original: str
    folded: View
    words: View
    addresses: View
    digits: View

    @classmethod
    def of(cls, text: str) -> Views:
        folded = fold(text)
        word_view = words(folded)
        return cls(text, folded, word_view, addresses(word_view), digits(folded))


# --- e-mail addresses ---------------------------------------------------------------------

# Spaces around "@" only before a common top-level domain: "@handle.on.instagram" is no address.
_EMAIL = re.compile(
    r"(?<![a-z0-9._%+-])[a-z0-9][a-z0-9._%+-]{0,63}(?:"
    r"@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,4}\.[a-z]{2,24}"
    r"|\s?@\s?[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,3}\.(?:" + TLDS + r"))(?![a-z0-9])"
)
# "jean.dupont75 gmail": an address whose "@" was left out, before a webmail's name. The
# handle must carry a digit, a dot or an underscore: "contacte-moi gmail" is not an address.
_WEBMAIL = re.compile(
    r"(?<![a-z0-9._-])(?=[a-z0-9_-]{0,40}[0-9._])[a-z][a-z0-9._-]{2,63}"
    r"(?:\s?@\s?|\s(?:sur|on|at|chez|de|from)\s|\s)"
    r"(?:gmail|hotmail|yahoo|outlook|icloud|wanadoo|laposte|protonmail|gmx)(?![a-z])"
)


_ANY_WEBMAIL = re.compile(r"gmail|hotmail|yahoo|outlook|icloud|wanadoo|laposte|protonmail|gmx")


def emails(v: Views) -> Iterator[Span]:
    text = v.addresses.text
    patterns = ([_EMAIL] if "@" in text else []) + ([_WEBMAIL] if _ANY_WEBMAIL.search(text) else [])
    for pattern in patterns:
        for m in pattern.finditer(text):
            yield v.addresses.original_span(*m.span())


# --- IBANs ----------------------------------------------------------------------------------

_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_IBAN_CANDIDATE = re.compile(r"(?<![A-Z0-9])[A-Z]{2} ?\d{2}(?:[ .\-]{0,2}[A-Z0-9]){8,40}")


_BBAN_PART = re.compile(r"(\d+)!([nac])")
_BBAN_CLASS = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Z0-9]"}


def _iban_formats() -> dict[str, tuple[int, re.Pattern[str]]]:
    """Per country, the length of its IBANs and the shape of their account part, from
    stdnum's copy of the SWIFT registry (a cheap test before stdnum validates)."""
    formats: dict[str, tuple[int, re.Pattern[str]]] = {}
    registry = numdb.get("iban")
    for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            bban = registry.info(a + b)[0][1].get("bban")
            if bban:
                parts = _BBAN_PART.findall(bban)
                shape = "".join(f"{_BBAN_CLASS[kind]}{{{n}}}" for n, kind in parts)
                formats[a + b] = (4 + sum(int(n) for n, _ in parts), re.compile(shape))
    return formats


_IBAN_FORMATS = _iban_formats()


def _iban_length(compact: str) -> int | None:
    """The length of the IBAN `compact` starts with, when it is one, or is shaped as one of
    its country (length and format) with only its two check digits wrong: a mistyped or
    made-up IBAN is still an IBAN in a message."""
    length, shape = _IBAN_FORMATS.get(compact[:2], (0, None))
    if shape is None or len(compact) < length or not shape.fullmatch(compact, 4, length):
        return None
    prefix = compact[:length]
    if stdnum_iban.is_valid(prefix):
        return length
    fixed = prefix[:2] + stdnum_iban.calc_check_digits(prefix) + prefix[4:]
    return length if stdnum_iban.is_valid(fixed, check_country=False) else None


def ibans(v: Views) -> Iterator[Span]:
    upper = v.folded.text.translate(_UPPER)
    for m in _IBAN_CANDIDATE.finditer(upper):
        positions = [m.start() + i for i, c in enumerate(m.group(0)) if c.isalnum()]
        compact = "".join(upper[p] for p in positions)
        length = _iban_length(compact)
        if length is not None:
            yield v.folded.original_span(positions[0], positions[length - 1] + 1)


# --- phone numbers --------------------------------------------------------------------------

# A run of digits with the separators people put between them ("06 12 34 56 78",
# "+33 (0)6.12.34.56.78", "0 6 1 2 3 4 5 6 7 8"); a run may hold a price or a date before a
# number, or two numbers: it is cut into its groups of digits, then each span of consecutive
# groups that may start a number is validated by libphonenumber.
_PHONE_RUN = re.compile(r"\+?\d(?:[ .\-/()]{0,3}\d){6,}")
_DIGIT_GROUP = re.compile(r"\d+")
# Regions whose national numbers (a trunk "0" first) are read without a country code: France
# and its neighbours where buyers and sellers are. North American numbers need their usual
# grouping ("(415) 555-2671"): a bare ten-digit order number is not one.
_NATIONAL_REGIONS = ("FR", "BE", "CH", "LU", "GB")
_NANP = re.compile(r"(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}")
# Numbers that are something else when these words come just before them.
_NOT_A_PHONE_BEFORE = re.compile(
    r"(?:commande|order|ref|reference|suivi|tracking|colis|parcel|package|siret|siren|tva|"
    r"vat|facture|invoice|serie|serial|imei|ean|isbn|sku|transaction|dossier|lot|article|"
    r"annonce|listing|iban|rib|bic|compte|account|model|modele|part|piece|"
    r"produit|product)\b[^0-9+]{0,20}$"
)
# Digits glued to a code made of digits and letters ("8R01234567890", "1Z999AA1…") are a
# tracking or serial number.
_CODE_BEFORE = re.compile(r"[0-9][a-z]{1,3}$")
# Links whose digits are an international number without its "+".
_INTERNATIONAL_BEFORE = re.compile(r"(?:wa\.me/|whatsapp\.com/send/?\?phone=|tel:)$")
# libphonenumber parses in pure Python (~0.1 ms a number): a message is given at most this
# many parses, so a page of digits costs a bounded time.
_PARSE_BUDGET = 60


@lru_cache(maxsize=2048)
def _is_phone(candidate: str) -> bool:
    """Whether `candidate` (digits and separators) is a valid number of a region we read:
    any country after "+" or "00", FR/BE/CH/LU/GB national numbers, grouped US numbers."""
    digits_only = re.sub(r"\D", "", candidate)
    if not 8 <= len(digits_only) <= 15:
        return False
    international = candidate.startswith("+") or digits_only.startswith("00")
    if international:
        regions: tuple[str, ...] = ("FR",)
    elif digits_only.startswith("0"):
        regions = _NATIONAL_REGIONS
    elif _NANP.fullmatch(candidate):
        regions = ("US",)
    else:
        return False
    # Written with its country code, or grouped as people write phone numbers, a number
    # only has to be possible (the right length for its country): the ranges set aside for
    # fiction ("07700 900 982") are still phone numbers to a reader. A bare run of digits
    # ("0123456789") has to be a valid, assigned number.
    grouped = international or not candidate.isdigit()
    for region in regions:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) or (
            grouped and region in ("FR", "GB") and phonenumbers.is_possible_number(number)
        ):
            return True
    return False


def _may_start_a_number(run: str, group: re.Match[str]) -> bool:
    start = group.start()
    return (
        group.group(0).startswith("0")
        or (start > 0 and run[start - 1] in "+(")
        or (start == 0 and len(group.group(0)) == 3)  # (415) 555-2671
    )


# Which lengths (in digits) a number starting there is tried at, most likely first: after
# "+" or "00" the longest valid one; national numbers at ten digits first (FR, BE mobiles,
# CH, GB), so a French number is not cut at nine digits into a Belgian landline.
_INTERNATIONAL_LENGTHS = tuple(range(15, 7, -1))
_NATIONAL_LENGTHS = (10, 11, 9)


def _numbers_in_run(run: str, budget: list[int]) -> Iterator[Span]:
    groups = list(_DIGIT_GROUP.finditer(run))
    i = 0
    while i < len(groups) and budget[0] > 0:
        found = None
        if _may_start_a_number(run, groups[i]):
            first = groups[i].start()
            begin = first - 1 if first > 0 and run[first - 1] == "+" else first
            ends: dict[int, int] = {}  # digits so far -> index of the last group
            count = 0
            for j in range(i, len(groups)):
                count += len(groups[j].group(0))
                if count > 15:
                    break
                ends[count] = j
            international = run[begin] == "+" or groups[i].group(0).startswith("00")
            for length in _INTERNATIONAL_LENGTHS if international else _NATIONAL_LENGTHS:
                if length in ends and budget[0] > 0:
                    budget[0] -= 1
                    if _is_phone(run[begin : groups[ends[length]].end()]):
                        found = (begin, groups[ends[length]].end(), ends[length])
                        break
        if found is None:
            i += 1
        else:
            yield found[0], found[1]
            i = found[2] + 1


# A number given in two parts to slip past a filter ("commence par 07 58… la suite : 21 94
# 60", "starts with 07, rest is 452 887 219"): a head that may start a number, then, within
# 80 characters holding no digit, the digits completing it to a *valid* number.
_HEAD = re.compile(r"(?<![\d+])(?:\+\d{2,3}(?:[ .]?\d)?|0\d)(?:[ .\-]?\d{2})?(?!\d)")
_TAIL = re.compile(r"\d(?:[ .\-]?\d){3,10}(?!\d)")
_SPLIT_GAP = 80


def _code_before(text: str, start: int) -> bool:
    return bool(
        _NOT_A_PHONE_BEFORE.search(text, max(0, start - 40), start)
        or _CODE_BEFORE.search(text, max(0, start - 4), start)
    )


def phones(v: Views, *, skip: list[Span]) -> Iterator[Span]:
    text = v.digits.text
    budget = [_PARSE_BUDGET]
    found: list[Span] = []  # on the digits view
    for m in _PHONE_RUN.finditer(text):
        start = m.start()
        if not m.group(0).startswith("+") and _code_before(text, start):
            continue
        run, shift = m.group(0), 0
        if _INTERNATIONAL_BEFORE.search(text, max(0, start - 30), start):
            run, shift = "+" + run, 1  # wa.me/33612345678 is +33 6 12 34 56 78
        for a, b in _numbers_in_run(run, budget):
            found.append((start + max(a - shift, 0), start + b - shift))
    starts = [a for a, _ in found]  # in order, apart from one another
    split: list[Span] = []

    def in_found(index: int) -> bool:
        k = bisect.bisect_right(starts, index) - 1
        return k >= 0 and index < found[k][1]

    for head in _HEAD.finditer(text):
        if budget[0] <= 0:
            break
        if in_found(head.start()) or _code_before(text, head.start()):
            continue
        window = text[head.end() : head.end() + _SPLIT_GAP]
        gap = next((i for i, c in enumerate(window) if c.isdigit()), None)
        tail = _TAIL.match(text, head.end() + gap) if gap is not None else None
        if tail is None or in_found(tail.start()) or _code_before(text, tail.start()):
            continue
        joined = re.sub(r"[^\d+]", "", head.group(0) + tail.group(0))
        budget[0] -= 1
        if 10 <= len(joined.lstrip("+")) <= 15 and _is_phone(joined):
            split.append((head.start(), tail.end()))
    for a, b in sorted(found + split):
        span = v.digits.original_span(a, b)
        if not any(s < span[1] and span[0] < e for s, e in skip):
            yield span


# --- links to payment and messaging apps -----------------------------------------------------

# Domains of messaging and payment apps (a subdomain counts too).
APP_DOMAINS = (
    "wa.me", "whatsapp.com", "whatsapp.net", "t.me", "telegram.me", "telegram.org",
    "telegram.dog", "signal.me", "signal.group", "signal.org", "m.me", "messenger.com",
    "facebook.com", "fb.com", "fb.me", "instagram.com", "instagr.am", "snapchat.com",
    "paypal.me", "paypal.com", "lydia-app.com", "lydia.me", "sumeria.eu", "revolut.me",
    "revolut.com", "wise.com", "transferwise.com", "westernunion.com", "westernunion.fr",
    "moneygram.com", "venmo.com", "cash.app", "zellepay.com", "viber.com", "wechat.com",
    "skype.com", "discord.gg", "discord.com", "line.me", "kik.me", "paylib.fr", "wero-wallet.eu",
)  # fmt: skip
# Link shorteners hide where a link goes; words in a host name that imitate a payment page.
_SHORTENERS = (
    "bit.ly", "tinyurl.com", "cutt.ly", "t.co", "goo.gl", "is.gd", "rb.gy", "shorturl.at",
    "ow.ly", "tiny.cc", "s.id", "linktr.ee",
)  # fmt: skip
_PHISHING_HOST = re.compile(
    r"pay|paie|paiement|payment|secur|livraison|delivery|transfert|transfer|virement|bank|"
    r"banque|verif|confirm|refund|rembours|checkout|wallet|colis|parcel"
)
_URL = re.compile(
    r"(?<![a-z0-9@._-])(?:https?://)?(?:www\.)?"
    r"((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,4}[a-z]{2,24})(?![a-z0-9-])(?:/[^\s]{0,200})?"
)
_TLD_LIKE = re.compile(r"\.(?:[a-z]{2}|com|net|org|info|biz|app|online|site|xyz|shop|me)$")


_APP_HOSTS = frozenset((*APP_DOMAINS, *_SHORTENERS))


def _is_app_host(host: str) -> bool:
    """Whether `host` is one of the app domains or a subdomain of one."""
    labels = host.split(".")
    return any(".".join(labels[i:]) in _APP_HOSTS for i in range(len(labels) - 1))


def links(v: Views) -> Iterator[Span]:
    text = v.addresses.text
    for m in _URL.finditer(text):
        host = m.group(1)
        has_scheme = m.group(0).startswith(("http", "www."))
        if _is_app_host(host) or (
            (has_scheme or _TLD_LIKE.search(host)) and _PHISHING_HOST.search(host)
        ):
            yield v.addresses.original_span(*m.span())


_LEET_CLASS = {"i": "[il]", "l": "[il]", "a": "[a@]"}


def _letters(word: str) -> str:
    """A name as a pattern: "l" and "i" interchangeable (leetspeak "1"), optional separators
    between syllables written with a space ("whats app", "pay-pal")."""
    out = []
    for part in word.split(" "):
        out.append("".join(_LEET_CLASS.get(c, re.escape(c)) for c in part))
    return r"[ .'\-]?".join(out)


# Names that mean only the app.
_APP_NAMES = (
    "whats app", "whatsap", "watsapp", "watsap", "wattsapp", "whatsapp", "wtsp", "wsp",
    "tele gram", "telegram", "pay pal", "paypal", "western union", "money gram", "revolut",
    "venmo", "cash app", "cashapp", "snap chat", "viber", "wechat", "skype", "zelle",
    "transferwise", "messenger", "instagram", "discord", "paylib", "sumeria", "imessage",
    "facebook", "payconiq", "twint", "bizum", "mobilepay", "vipps", "satispay", "tikkie",
)  # fmt: skip
# Names that are also words ("signal", "wise", "line", "snap"): only after a word that makes
# them the app ("sur Signal", "par Lydia", "my snap", "via Wise").
_AMBIGUOUS_APPS = (
    "signal", "lydia", "wise", "snap", "insta", "fb", "line", "kik", "wero", "tg", "swish",
)  # fmt: skip
_APP_CONTEXT = (
    r"(?:sur|par|via|avec|en|on|over|through|by|using|with|mon|ma|ton|ta|votre|my|your|un|une|"
    r"ajoute-moi sur|add me on|t'as|tu as|as-tu|t'es sur|es-tu sur|do you use|are you on|"
    r"you on)"
)
_APP_NAME = re.compile(
    r"(?<![a-z0-9])(?=[a-z])(?:(?:"
    + "|".join(_letters(n) for n in sorted(_APP_NAMES, key=len, reverse=True))
    + r")(?![a-z])|"
    + _APP_CONTEXT
    + r"\s(?:l'appli\s|l'app\s|the app\s)?("
    + "|".join(_letters(n) for n in _AMBIGUOUS_APPS)
    + r")(?![a-z]))"
)


def app_names(v: Views) -> Iterator[Span]:
    text = v.words.text
    for m in _APP_NAME.finditer(text):
        a, b = m.span(1) if m.group(1) else m.span()
        if not _negated(text, a):
            yield v.words.original_span(a, b)


# --- invitations to pay or talk off the platform ----------------------------------------------

_CHANNEL = (
    r"(?:whats ?app|wa|telegram|signal|messenger|snap(?:chat)?|insta(?:gram)?|facebook|fb|"
    r"viber|wechat|skype|discord|sms|texto|mms|e-?mail|mail|courriel|gmail|hotmail|"
    r"telephone|tel|portable|phone|cell|mobile|numero|num|text|prive|private|dm|mp|pv|direct)"
)
_ME = r"(?:-| |-t-)?(?:moi|nous|me|us)\b"
_NOT_A_LISTING_LINK = (
    r"(?!\s(?:de |d'|du |to |of |for |vers |to the )?(?:l'annonce|annonce|suivi|tracking|"
    r"the listing|listing|the item|my listing|mon annonce|the matching))"
)
# What a contact given after "mon numéro est", "my email is" looks like: a digit, "+", "@",
# a handle with a digit or an "@", a spelled-out digit ("Mon tel est cassé" gives none).
_CONTACT_AHEAD = (
    r"(?=\+|\d|@|[a-z0-9._-]{1,64}\s?(?:@|arobase|\(at\)|\[at\])|[a-z._-]{0,30}\d|"
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|un|deux|trois|quatre|cinq|sept|"
    r"huit|neuf)\b)"
)
_OFF_PLATFORM = [
    # talk elsewhere: "contacte-moi sur WhatsApp", "écris-moi par mail", "message me on Telegram"
    r"\b(?:contact\w*|ecri\w*|envoi\w*|envoy\w*|joins|joignez|rejoin\w*|ajout\w*|message|"
    r"msg|reach|add|ping|dm|hit|write|send|get in touch with|text|call|email|e-mail|mail|"
    r"repond\w*|reply|parl\w*|talk|chat\w*)" + _ME + r".{0,30}?\b(?:sur|par|via|au|en|on|"
    r"at|by|over|through)\s(?:l'|le |la |mon |ma |my |the )?(?:" + _CHANNEL + r"|\+?\d)",
    # calls, texts and e-mails are off the platform by nature
    r"\b(?:r?appel+\w*|tel+\w*|phone|bip\w*|sms|texte?z?|whats ?app|call|ring|text|whatsapp|"
    r"e-?mail|mail|dm)(?:-| |-t-)(?:moi|me)\b",
    r"\b(?:r?appel\w*|telephon\w*|joindre|joignez|joins|contact\w*|call\w*|ring|phone|text\w*|"
    r"reach)\b.{0,25}?\b(?:au|sur le|at|on)\s?(?:\+|0)",
    r"\b(?:give|gimme|drop|shoot|send)\s(?:me|us)\s(?:a|an)\s(?:ring|call|line|text|email|e-mail|"
    r"mail)\b",
    r"\b(?:envoi\w*|envoy\w*)(?:-moi| moi)?\s(?:un|une)\s(?:mail|e-?mail|sms|texto|courriel)\b",
    r"\b(?:on|nous|let's|lets|we can|we could|on peut|on pourrait|pouvons|je prefere|"
    r"i prefer|better)\b.{0,30}?\b(?:continu\w*|discut\w*|parl\w*|echang\w*|convers\w*|"
    r"communiqu\w*|pass\w*|bascul\w*|talk\w*|chat\w*|speak\w*|move|switch\w*|go)\b.{0,20}?"
    r"\b(?:sur|par|via|en|on|over|to|by)\s(?:l'|le |la |the )?" + _CHANNEL + r"\b",
    r"\b(?:voici mon|voila mon|here'?s my|this is my|notez mon|note mon|mon|ma|my)\s"
    r"(?:numero|num|n°|tel|telephone|portable|06|07|phone|cell|mobile|number|whatsapp|"
    r"telegram|snap|insta|e-?mail|mail|adresse (?:e-?)?mail|email address|adresse)"
    r"(?:\s?(?:est|c'est|is|:|=|->|au|at|se trouve|-)\s?(?:le\s)?" + _CONTACT_AHEAD + r"|\s?\+?\d"
    r"|\s(?:here|ci-dessous|below))",
    r"\b(?:voici|voila|here'?s|this is|notez|note)\s(?:mon|ma|my)\s(?:numero|num|tel|telephone|"
    r"portable|phone|cell|mobile|number|whatsapp|telegram|snap|insta|e-?mail|mail|"
    r"adresse (?:e-?)?mail|email address)\b",
    r"\b(?:contact|tel|telephone|phone|whatsapp|e-?mail|mail)\s?:\s?(?:\+|\d|[a-z0-9._-]+\s?@)",
    r"\b(?:"
    + "|".join(
        _letters(n)
        for n in (
            "whats app",
            "whatsapp",
            "telegram",
            "signal",
            "sms",
            "snapchat",
            "paypal",
            "lydia",
            "virement",
        )
    )
    + r")\s(?:uniquement|seulement|only)\b",
    r"\b(?:donn|envo|pass|laiss|communiqu|file|give|send|share|drop|leave|what'?s|quel est|"
    r"c'est quoi|get|have|grab|avoir|recup|prendre|take)\w*(?:-moi|-nous| me| us)?\s"
    r"(?:ton|ta|votre|your)\s(?:numero|num|tel|"
    r"telephone|portable|phone|number|mail|e-?mail|adresse (?:e-?)?mail|email address|"
    r"whatsapp|telegram|snap|insta|rib|iban|coordonnees (?:bancaires|perso\w*))\b"
    r"(?!\s*(?:de|d'|du)\s*(?:suivi|commande|colis|annonce|serie|dossier|tracking|order))",
    r"\bjoignable\b.{0,15}?\b(?:au|sur|par)\b",
    r"\b(?:mon|my)\s(?:gmail|hotmail|outlook|yahoo|icloud|protonmail|wanadoo|orange)\s?"
    r"(?:c'est|est|is|:|=)",
    r"\b(?:laiss|donn|envo|transmet|file|pass|here are|voici|voila)\w*(?:-moi| me)?\s"
    r"(?:mes|nos|my|our)\s(?:coordonnees|contact details|contact info)\b",
    r"\bm'(?:ecri\w*|appel\w*|contact\w*|envoy\w*|joindre|textos?|rappel\w*|ajout\w*)\b.{0,30}?"
    r"\b(?:sur|par|via|au|a|en)\s(?:l'|le |la |mon |ma )?(?:" + _CHANNEL + r"|\+?\d)",
    r"\b(?:mail|e-?mail|numero|num|tel|adresse(?: e-?mail)?|whatsapp)\s(?:perso|personnel+e?|"
    r"prive|private|personal)\b",
    r"\b(?:send|give|share|provide|text|envoy\w*|donn\w*|communiqu\w*|indiqu\w*|laiss\w*)\b"
    r".{0,30}?\b(?:phone number|mobile number|cell number|whatsapp number|numero de "
    r"(?:telephone|portable|tel|mobile|whatsapp)|email address|e-mail address|adresse (?:e-?)?mail|"
    r"paypal (?:e-?mail|address|adresse))\b",
    r"\b(?:en dehors|hors|outside|off)\s(?:de la |du |de l'|des |of )?(?:the |la |l')?"
    r"(?:plateforme|platform|site|website|appli|application|app|messagerie)\b",
    # pay elsewhere
    r"\b(?:pa[iy]\w*|regl\w*|vir\w*|transf\w*|rembours\w*|envoi\w*|envoy\w*|send\w*|wire|"
    r"deposit\w*)\b.{0,30}?\b(?:directement|en direct|direct|directly|privately|en prive|"
    r"entre nous|between us|de la main a la main)\b",
    r"\bvirement(?:s)?\b",
    r"\b(?:vire[rz]?|virez|vires)\b(?!\s(?:de|du)\b)",
    r"\b(?:bank|wire|direct|interac|e-?)\s?(?:transfer|deposit)\b",
    r"\b(?:par|en|by|with a|via)\s(?:cheques?|personal che(?:ck|que)|certified che(?:ck|que)|"
    r"che(?:ck|que))\b",
    r"\bwire\s(?:me\s)?(?:the\s)?(?:\d+|money|it|payment|funds|cash)\b",
    r"\b(?:envoi\w*|envoy\w*|transmet\w*|donn\w*|send|give|provide|share)(?:-moi| me)?\s(?:ton|ta|"
    r"votre|your|vos|tes|mon|ma|my|le|la|les|the|un|a)\s(?:rib|iban|coordonnees bancaires|"
    r"bank details|account details|bank account|account number)\b",
    r"\b(?:voici|voila|here'?s|here is|this is|ci-joint|ci-dessous)\s(?:mon|ma|my)\s"
    r"(?:rib|iban|coordonnees bancaires|bank details|account details|bank account)\b",
    r"\b(?:mandat[ -]?cash|mandat postal|mandat compte|money ?order|cashier'?s? che(?:ck|que)|"
    r"cheque de banque|paysafe ?card|transcash|neosurf|toneo|western union|money ?gram)\b",
    r"\b(?:coupons?|recharges?|tickets?|cartes?|cards?)\s(?:de |d')?(?:pcs|transcash|neosurf|"
    r"toneo|paysafe\w*|prepayee?s?|prepaid|cadeaux?|gift|itunes|apple|google play|steam|"
    r"amazon)\b",
    r"\b(?:pcs mastercard|gift ?cards?|itunes cards?|steam cards?|google play cards?)\b",
    r"\b(?:bitcoins?|btc|crypto\w*|usdt|ethereum|eth|binance)\b",
    r"\b(?:lien|liens) (?:de |du |pour )?(?:paiement|payer|reglement|regler|transaction|"
    r"livraison|confirmation|remboursement)\b",
    r"\b(?:payment|pay|checkout|delivery|shipping|confirmation|refund) link\b",
    r"\b(?:je|j'|i'll|i will|i'm|i am|let me)\b.{0,20}?\b(?:envoi\w*|envoy\w*|send\w*|"
    r"text\w*|e-?mail\w*|sms)\b.{0,25}?\b(?:lien|link)\b" + _NOT_A_LISTING_LINK,
    r"\b(?:lien|link)\b.{0,25}?\b(?:je|i)\b.{0,20}?\b(?:envoi\w*|envoy\w*|send\w*|text\w*|"
    r"e-?mail\w*)",
    r"\b(?:cliqu\w*|click\w*|tap|appuie\w*|appuyez)\b.{0,20}?\b(?:lien|link)\b"
    + _NOT_A_LISTING_LINK,
    r"\b(?:cliqu\w*|click\w*|tap)\s(?:ici|la|here|on this|sur ce)\b",
    # "par téléphone", "over the phone": the channel named is the invitation
    r"\b(?:par|au|over the|by|on the|via)\s(?:telephone|tel|phone|sms|texto|text|whats ?app|"
    r"telegram)\b",
    r"\b(?:coup de (?:fil|telephone|phone|bigo\w*))\b",
    r"\b(?:transf\w*|vir\w*|send|envoi\w*|envoy\w*|deposit\w*)\b.{0,20}?"
    r"\b(?:this|my|ce|mon|le)\s(?:account|compte|bank account|compte bancaire)\b",
    r"\b(?:pay\w*|pai\w*|reglez|regle)\s(?:into|to|on|sur|a)\s(?:this|ce|cet)\s(?:account|compte)\b",
    r"\bkeep (?:it|this) between us\b",
    # a cheque, and the overpayment scam that goes with it
    r"\b(?:cheque|check)\s(?:de|for|of)\s?(?:[$£€]|\d)",
    r"\b(?:fais|fait|ferai|envoi\w*|envoy\w*|post\w*|mail\w*|send|sent|give|write|writing|"
    r"poster)\b.{0,15}?\b(?:un|a|you a|vous un|te un|ton|your)\s(?:cheque|check)\b",
    r"\b(?:rend\w*|rembours\w*|return\w*|refund\w*)\b.{0,20}?\b(?:la difference|le surplus|"
    r"l'excedent|le trop[- ]percu|the difference|the excess|the extra|the overpayment)\b"
    r"(?!\s(?:de port|de livraison|d'envoi|de frais|of shipping|in shipping|on shipping|"
    r"on postage))",
    r"\b(?:send|wire|transfer|envoy\w*|vir\w*|give|pay)\w*\b.{0,10}?\b(?:the rest|the difference|"
    r"the extra|the excess|le reste|la difference|le surplus)\b.{0,12}?\b(?:back|en retour)\b",
    # paying "outside"
    r"\b(?:pa[iy]\w*|regl\w*|sort\w*|arrang\w*|settl\w*)\b.{0,25}?\b(?:outside(?!\s(?:the|of|"
    r"my|your|a|la|le)\b)|off the (?:app|site|platform)|off-site|offline|en dehors(?!\s(?:de|du|"
    r"d')))",
    r"\b(?:sans passer par|skip|bypass|contourn\w*|without (?:going through|using))\s"
    r"(?:la |le |l'|the )?(?:plateforme|platform|site|app|appli|application)\b",
    r"\b(?:entre amis|entre proches|amis et famille|friends (?:and|&) family|f ?& ?f|"
    r"goods and services off)\b",
    r"\b(?:evit\w*|economis\w*|avoid\w*|skip\w*|save|saving|sans|without|no)\s(?:les |la |the "
    r"|on )?(?:frais|fees|commission\w*)(?!\s*(?:de port|de livraison|d'envoi|de transport|"
    r"shipping|postage|delivery))(?:\s(?:de la |du |of the )?(?:plateforme|platform|site|app|"
    r"appli|service|protection|vinted|leboncoin|ebay))?\b",
]
# One expression, tried only where a word starts (each alternative begins with a word).
_OFF_PLATFORM_RE = re.compile(
    r"(?<![a-z0-9])(?=[a-z])(?:"
    + "|".join(f"(?:{p.removeprefix(chr(92) + 'b')})" for p in _OFF_PLATFORM)
    + ")"
)
# A payout by bank transfer from the platform is not an invitation to pay outside it.
_PLATFORM_PAYOUT = re.compile(
    r"\b(?:de la plateforme|du site|de l'appli|from the (?:platform|app|site)|payout|"
    r"versement|porte-?monnaie|portefeuille|wallet|solde|balance|cagnotte)\b"
)
_TRANSFER = re.compile(r"virement|bank|wire|direct|interac|e-?\s?transfer")
_CLAUSE_BREAK = re.compile(r"[.!?;,:\n]|\b(?:mais|but|sinon|otherwise|si|if|alors|so|et|and)\b")
_NEGATION = re.compile(
    r"\b(?:pas|jamais|ne|n'|sans|refuse\w*|aucun\w*|ni|no|not|never|don'?t|doesn'?t|won'?t|"
    r"can'?t|cannot|rather not|avoid|evit\w*|pas de)\b"
    # "instead of", "plutôt que" deny only what stands right after them ("use the app instead
    # of WhatsApp"), not a clause they happen to be in ("$450 instead of $45 on Zelle")
    r"|\b(?:instead of|rather than|plutot que|au lieu de)\s(?:(?:la|le|les|l'|the|a|un|une)\s?)?$"
)
# A refusal that follows: "si c'est pour un virement c'est non", "PayPal? no thanks".
_REFUSED_AFTER = re.compile(
    r"[^.!?\n]{0,30}?\b(?:c'est non|non merci|no thanks|no thank you|pas question|"
    r"hors de question|no way|not interested|c'est mort)\b"
)


def _clause_before(text: str, index: int, size: int = 40) -> str:
    window = text[max(0, index - size) : index]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    return window[breaks[-1].end() :] if breaks else window


def _negated(text: str, index: int) -> bool:
    """Whether the clause before `index` denies it ("je ne paie pas par virement", "I don't
    use WhatsApp")."""
    return _NEGATION.search(_clause_before(text, index)) is not None


# "Check your e-mail to receive the funds": a fake payment notice, when the message speaks of
# money (an e-mail from the platform itself says nothing of the kind in a chat).
_PAYMENT_NOTICE = re.compile(
    r"(?<![a-z0-9])(?:(?:verifi\w*|consult\w*|check\w*|regard\w*|ouvr\w*|open)\s(?:vos|votre|your|"
    r"tes|ton|ta)\s(?:mails?|e-?mails?|boite (?:e-?)?mail|inbox|adresse (?:e-?)?mail|spams?)\b"
    r"|(?:instructions?|lien|link|formulaire|form)\b.{0,25}?\b(?:envoy\w*|sent|recu\w*|"
    r"received)\b.{0,25}?\b(?:e-?mail|mail|adresse|inbox|sms|text)\b"
    r"|(?:e-?mail|mail|sms|message|texto) (?:de |of )?(?:confirmation|validation|paiement|"
    r"payment)\b|(?:confirmation|payment|validation) (?:e-?mail|mail|sms|text)\b"
    # the button of a fake payment page: "cliquez sur « recevoir les fonds »"
    r"|(?:recevoir|recuperer|debloquer|liberer|receive|claim|release|unlock|collect)\s"
    r"(?:les |vos |tes |the |your )?(?:fonds|funds)\b)"
)
_MONEY = re.compile(
    r"\b(?:fonds|argent|paiement|payment|funds|money|virement|remboursement|refund|versement|"
    r"paye|paid)\b"
)
# A link or a button of the platform itself: "cliquez ici sur la plateforme".
_ON_PLATFORM = re.compile(
    r"\b(?:(?:sur|via|par) la plateforme|(?:sur|via|par) le site|dans l'appli\w*|"
    r"(?:sur|via|par) l'appli\w*|(?:in|on|via|through) the (?:app|platform|site)|"
    r"de l'annonce|vers l'annonce|the listing|mes annonces|my listings)\b"
)
# Words a phrase may hold only when it speaks of the platform itself: a link or a button,
# a refund of a difference.
_ABOUT_THE_PLATFORM = re.compile(r"\b(?:lien|link|ici|here|difference|surplus|excess|extra)\b")


def _sentence(text: str, a: int, b: int) -> str:
    start = max(text.rfind(c, max(0, a - 120), a) for c in ".!?\n") + 1
    ends = [i for i in (text.find(c, b, b + 120) for c in ".!?\n") if i >= 0]
    return text[start : min(ends) if ends else min(len(text), b + 120)]


# A contact or a bank account given is an invitation when something in the message asks to
# use it ("tu peux me biper au 06…", "give us a bell", "merci de verser la caution sur
# CH93…"), wherever it stands; given bare ("Pour le retrait : 06 45 78 12 09 (Julien)",
# "Account: ES91…") it carries its own warning only.
_CONTACT_CUE = re.compile(
    r"(?<![a-z])(?:r?appel\w*|call\w*|ring|bell|bip\w*|bigo\w*|joindre|joins|joignez|"
    r"joignable|contact\w*|ecri\w*|write|text\w*|sms|textos?|ping|msg|messages?|dm|mail|"
    r"e-?mail|courriel|whats ?app|wtsp|telegram|reach|hmu|hit me up|phone|telephone|tel|"
    r"natel|portable|cell|mobile|number|numero|num|discut\w*|parl\w*|talk\w*|chat\w*|"
    r"ask for|demande[rz]?)(?![a-z])"
)
_PAYMENT_CUE = re.compile(
    r"(?<![a-z])(?:vir\w*|vers(?:e|er|ez|ement)\w*|pa[iy]\w*|regl\w*|regle\w*|transf\w*|"
    r"wire\w*|deposit\w*|sepa|acompte|caution|send\w*|envo\w*)(?![a-z])"
)


def asks_to_use_contact(v: Views) -> bool:
    return _CONTACT_CUE.search(v.words.text) is not None


def asks_to_pay(v: Views) -> bool:
    return _PAYMENT_CUE.search(v.words.text) is not None


def off_platform(v: Views) -> Iterator[Span]:
    text = v.words.text
    if _MONEY.search(text):
        for m in _PAYMENT_NOTICE.finditer(text):
            if not _negated(text, m.start()):
                yield v.words.original_span(*m.span())
    for m in _OFF_PLATFORM_RE.finditer(text):
        a, b = m.span()
        if _negated(text, a) or _REFUSED_AFTER.match(text, b):
            continue
        if _ABOUT_THE_PLATFORM.search(m.group(0)) and _ON_PLATFORM.search(_sentence(text, a, b)):
            continue
        if _TRANSFER.match(m.group(0)) and (
            _PLATFORM_PAYOUT.search(text, a, min(len(text), b + 40))
            or _PLATFORM_PAYOUT.search(_clause_before(text, a, 60))
        ):
            continue
        yield v.words.original_span(a, b)
