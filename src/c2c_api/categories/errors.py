"""Why a category or a listing's attributes were refused.

    DomainError
     └── InvalidInput
          ├── UnknownCategory            CATEGORY_UNKNOWN: no category has this slug
          ├── CategoryNotAssignable      CATEGORY_NOT_ASSIGNABLE: a listing needs a leaf category
          ├── KindNotAllowedInCategory   CATEGORY_KIND_NOT_ALLOWED: e.g. a SALE under Services
          └── InvalidAttributes          ATTRIBUTE_INVALID: a value has the wrong type or range
               ├── UnknownAttributes     ATTRIBUTE_UNKNOWN: a key the category does not define
               └── MissingAttributes     ATTRIBUTE_REQUIRED: a required key is absent or null

One attribute error lists every bad key in `fields` ("attributes.<key>"); its code is the most
serious problem found (unknown > invalid > required), and `context["problems"]` gives the code
and reason of each key. Messages are the class docstrings (translated by c2c_api.i18n).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from c2c_api.errors import ErrorCode, InvalidInput
from c2c_api.i18n import register_catalogue


class UnknownCategory(InvalidInput):
    """This category does not exist."""

    code = ErrorCode.CATEGORY_UNKNOWN


class CategoryNotAssignable(InvalidInput):
    """Choose a more specific category."""

    code = ErrorCode.CATEGORY_NOT_ASSIGNABLE


class KindNotAllowedInCategory(InvalidInput):
    """This kind of listing is not allowed in this category."""

    code = ErrorCode.CATEGORY_KIND_NOT_ALLOWED


@dataclass(frozen=True)
class AttributeProblem:
    """One bad attribute: its error path, code and a machine-readable reason."""

    field: str
    code: str
    reason: str


class InvalidAttributes(InvalidInput):
    """Some attributes are not valid for this category."""

    code = ErrorCode.ATTRIBUTE_INVALID

    def __init__(self, problems: Sequence[AttributeProblem], message: str | None = None) -> None:
        self.problems = list(problems)
        super().__init__(
            message,
            fields=[p.field for p in self.problems],
            context={"problems": [asdict(p) for p in self.problems]},
        )


class UnknownAttributes(InvalidAttributes):
    """Some attributes do not exist in this category."""

    code = ErrorCode.ATTRIBUTE_UNKNOWN


class MissingAttributes(InvalidAttributes):
    """Some required attributes are missing."""

    code = ErrorCode.ATTRIBUTE_REQUIRED


MESSAGES_FR: dict[str, str] = {
    "This category does not exist.": "Cette catégorie n'existe pas.",
    "Choose a more specific category.": "Choisissez une catégorie plus précise.",
    "This kind of listing is not allowed in this category.": (
        "Ce type d'annonce n'est pas autorisé dans cette catégorie."
    ),
    "Some attributes are not valid for this category.": (
        "Certaines caractéristiques ne sont pas valides pour cette catégorie."
    ),
    "Some attributes do not exist in this category.": (
        "Certaines caractéristiques n'existent pas dans cette catégorie."
    ),
    "Some required attributes are missing.": "Des caractéristiques obligatoires manquent.",
}
"""French for the messages above, registered with c2c_api.i18n's catalogue below."""

register_catalogue("fr", MESSAGES_FR)
