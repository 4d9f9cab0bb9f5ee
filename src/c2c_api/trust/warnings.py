"""Scam warnings on messages: contact details or payment taken off the platform.

The contract the conversations domain builds on: `scan_message(text)` returns the warnings a
message carries, each a flag with the span of text that raised it and a short excerpt (masked
where it is a contact or a bank detail). A warning does not stop a message; it is shown to
the recipient, and to the sender before sending (a dry-run check: the `messageWarnings`
query). The reasons people read are in the i18n catalogue, per flag: `reason(flag, locale)`.

The rules, their measured precision and recall, and what they do not catch are in
docs/messaging.md ("Scam warnings"); the detectors are in detectors.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from c2c_api.i18n import register_catalogue, translatable, translate
from c2c_api.trust import detectors
from c2c_api.trust.errors import MessageTooLong

MAX_MESSAGE_LENGTH = 4000
"""The most characters a message may have; the dry-run check refuses longer texts."""

_EXCERPT_LENGTH = 40


class WarningFlag(StrEnum):
    EMAIL_ADDRESS = "EMAIL_ADDRESS"
    PHONE_NUMBER = "PHONE_NUMBER"
    IBAN = "IBAN"
    EXTERNAL_APP_LINK = "EXTERNAL_APP_LINK"  # a link to a payment or messaging app
    OFF_PLATFORM = "OFF_PLATFORM"  # an invitation to pay or talk outside the platform


@dataclass(frozen=True, slots=True)
class MessageWarning:
    flag: WarningFlag
    start: int  # the span of `text` that raised it: text[start:end]
    end: int
    excerpt: str = ""  # text[start:end], masked for contacts and bank details, shortened


_REASONS: dict[WarningFlag, str] = {
    WarningFlag.EMAIL_ADDRESS: translatable(
        "This message contains an e-mail address. Keep talking here: outside the platform "
        "you lose its protection, and scammers use e-mail to send fake payment pages."
    ),
    WarningFlag.PHONE_NUMBER: translatable(
        "This message contains a phone number. Keep talking here: outside the platform you "
        "lose its protection, and scammers move to calls and texts to pressure you."
    ),
    WarningFlag.IBAN: translatable(
        "This message contains a bank account number (IBAN). Never pay by bank transfer: "
        "pay only through the platform, where your money is protected until you receive "
        "the item."
    ),
    WarningFlag.EXTERNAL_APP_LINK: translatable(
        "This message points to a messaging or payment app or to an outside link. Do not "
        "pay or sign in through a link in a message: pay only through the platform."
    ),
    WarningFlag.OFF_PLATFORM: translatable(
        "This message invites you to pay or talk outside the platform. A payment made "
        "outside it is not protected and cannot be refunded: pay only through the platform."
    ),
}

register_catalogue(
    "fr",
    {
        _REASONS[WarningFlag.EMAIL_ADDRESS]: (
            "Ce message contient une adresse e-mail. Continuez à échanger ici : hors de la "
            "plateforme, vous perdez sa protection, et les escrocs envoient par e-mail de "
            "fausses pages de paiement."
        ),
        _REASONS[WarningFlag.PHONE_NUMBER]: (
            "Ce message contient un numéro de téléphone. Continuez à échanger ici : hors de la "
            "plateforme, vous perdez sa protection, et les escrocs passent aux appels et aux "
            "SMS pour vous presser."
        ),
        _REASONS[WarningFlag.IBAN]: (
            "Ce message contient un numéro de compte bancaire (IBAN). Ne payez jamais par "
            "virement : payez uniquement sur la plateforme, où votre argent est protégé "
            "jusqu'à la réception de l'article."
        ),
        _REASONS[WarningFlag.EXTERNAL_APP_LINK]: (
            "Ce message renvoie vers une application de messagerie ou de paiement, ou vers un "
            "lien extérieur. Ne payez pas et ne vous connectez pas via un lien reçu dans un "
            "message : payez uniquement sur la plateforme."
        ),
        _REASONS[WarningFlag.OFF_PLATFORM]: (
            "Ce message vous invite à payer ou à échanger hors de la plateforme. Un paiement "
            "fait en dehors n'est pas protégé et ne peut pas être remboursé : payez uniquement "
            "sur la plateforme."
        ),
    },
)


def reason_key(flag: WarningFlag) -> str:
    """The i18n message id of the reason a person reads for `flag` (the catalogue is keyed
    by the English text: `translate(reason_key(flag), locale)`)."""
    return _REASONS[flag]


def reason(flag: WarningFlag, locale: str) -> str:
    """The reason a person reads for `flag`, in `locale` (en or fr)."""
    return translate(reason_key(flag), locale)


def check_message_length(text: str) -> None:
    """Raise MessageTooLong when `text` has more than MAX_MESSAGE_LENGTH characters."""
    if len(text) > MAX_MESSAGE_LENGTH:
        raise MessageTooLong(fields=["text"], context={"maxLength": MAX_MESSAGE_LENGTH})


_MASKED = frozenset({WarningFlag.EMAIL_ADDRESS, WarningFlag.PHONE_NUMBER, WarningFlag.IBAN})


def _mask(flag: WarningFlag, found: str) -> str:
    """Contacts and bank details keep only their edges: "06 •• •• •• 78", "j•••@gmail.com",
    "FR76 •••• … 189"; other excerpts are the words that raised the warning."""
    found = " ".join(found.split())
    if flag not in _MASKED:
        return found if len(found) <= _EXCERPT_LENGTH else found[: _EXCERPT_LENGTH - 1] + "…"
    if flag is WarningFlag.EMAIL_ADDRESS and "@" in found:
        local, _, domain = found.partition("@")
        return f"{local[:1]}•••@{domain.strip()}"
    if sum(c.isalpha() for c in found) > 2 and flag is WarningFlag.PHONE_NUMBER:
        return found.split()[0].rstrip(",") + " …"  # spelled out: "zéro …"
    alnum = [i for i, c in enumerate(found) if c.isalnum()]
    keep = set(alnum[:4] + alnum[-3:]) if flag is WarningFlag.IBAN else set(alnum[:2] + alnum[-2:])
    masked = "".join(c if (i in keep or not c.isalnum()) else "•" for i, c in enumerate(found))
    return masked if len(masked) <= _EXCERPT_LENGTH else masked[:20] + " … " + masked[-8:]


def _merge(spans: Iterable[tuple[int, int]], text: str, *, near: bool) -> list[tuple[int, int]]:
    """Overlapping spans as one; with `near`, also spans a few words of one sentence apart
    (an invitation, "Appelle-moi au", and the number it gives)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and (start <= merged[-1][1] or (near and _close(text[merged[-1][1] : start]))):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _close(gap: str) -> bool:
    return len(gap) <= 6 and not any(c in gap for c in ".!?\n")


def scan_message(text: str) -> tuple[MessageWarning, ...]:
    """The warnings `text` carries, in the order of their spans (one per flag and span).

    Only the first MAX_MESSAGE_LENGTH characters are read: a longer text is refused before
    (check_message_length), and the cost of a scan stays bounded whatever it is given.
    """
    text = text[:MAX_MESSAGE_LENGTH]
    views = detectors.Views.of(text)
    ibans = list(detectors.ibans(views))
    emails = list(detectors.emails(views))
    apps = [
        *detectors.links(views),
        *(s for s in detectors.app_names(views) if not _inside(s, emails)),
    ]
    # digits inside an IBAN or an e-mail address are not a phone number
    phones = list(detectors.phones(views, skip=ibans + emails))
    asks_to_pay = detectors.asks_to_pay(views)
    found: dict[WarningFlag, list[tuple[int, int]]] = {
        WarningFlag.EMAIL_ADDRESS: emails,
        WarningFlag.IBAN: ibans,
        WarningFlag.PHONE_NUMBER: phones,
        WarningFlag.EXTERNAL_APP_LINK: apps,
        # In a chat between a buyer and a seller, a messaging or payment app named or linked
        # is an invitation to go there; so is a phone number or an e-mail address given with
        # anything asking to use it or to pay with it ("pay me on bob@…"), and a bank
        # account with anything asking to pay.
        WarningFlag.OFF_PLATFORM: [
            *detectors.off_platform(views),
            *apps,
            *(phones + emails if asks_to_pay or detectors.asks_to_use_contact(views) else ()),
            *(ibans if asks_to_pay else ()),
        ],
    }
    sensitive = [(flag, span) for flag in _MASKED for span in found[flag]]
    warnings = [
        MessageWarning(flag, start, end, _excerpt(text, flag, start, end, sensitive))
        for flag, spans in found.items()
        for start, end in _merge(spans, text, near=flag is WarningFlag.OFF_PLATFORM)
        if end > start
    ]
    return tuple(sorted(warnings, key=lambda w: (w.start, w.end, w.flag.value)))


def _excerpt(
    text: str,
    flag: WarningFlag,
    start: int,
    end: int,
    sensitive: list[tuple[WarningFlag, tuple[int, int]]],
) -> str:
    """The warning's excerpt: a contact or an IBAN inside another warning's words (an
    invitation that gives a phone number) is masked as its own warning's is."""
    if flag in _MASKED:
        return _mask(flag, text[start:end])
    inside = sorted(
        (max(a, start), min(b, end), kind) for kind, (a, b) in sensitive if a < end and start < b
    )
    parts, at = [], start
    for a, b, kind in inside:
        if a < at:
            continue
        parts += [text[at:a], _mask(kind, text[a:b])]
        at = b
    parts.append(text[at:end])
    return _mask(flag, "".join(parts))


def _inside(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    return any(s <= span[0] and span[1] <= e for s, e in others)
