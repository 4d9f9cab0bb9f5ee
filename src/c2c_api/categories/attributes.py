"""Per-category attributes: typed definitions, a library of common ones, and validation.

An attribute is a key of a listing's `attributes` JSON object (`{"size": "m", "brand": "Nike"}`),
declared by its category or inherited from an ancestor (see taxonomy.py). Five types:

    enum      one option code from a closed list (labels in English and French)
    integer   a whole number within [minimum, maximum], optionally with a unit (GB, cm, …)
    decimal   a decimal number sent as an integer count of 10**-decimals units, like money in
              minor units: screen_size 156 with decimals=1 and unit "in" means 15.6 inches
    boolean   true or false (never 0/1 or "true")
    text      a single line, trimmed, at most max_length characters; format "isbn" checks and
              normalises an ISBN-10 or ISBN-13 to its 13 digits

Definitions are frozen pydantic models, so operators' edits stored as JSON (listings issue) are
checked by the same model. Values are validated with pydantic in strict mode: it already
refuses booleans for integers, floats (and NaN) for integers, numbers for strings, reports every
bad key at once, and returns normalised Python values. jsonschema was not added: it only says
yes or no (no normalisation), and JSON Schema counts 1.0 as an integer.
"""

# Labels use typographic dashes and signs on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal, NotRequired, Required

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

from c2c_api.categories.errors import (
    AttributeProblem,
    InvalidAttributes,
    MissingAttributes,
    UnknownAttributes,
)
from c2c_api.errors import ErrorCode

if TYPE_CHECKING:
    pass

# JavaScript clients lose precision beyond 2**53 - 1: bounds stay inside.
SAFE_INTEGER = 2**53 - 1
MAX_ATTRIBUTES = 50
"""A listing's attributes object may hold at most this many keys."""

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
OPTION_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"


class AttributeType(StrEnum):
    ENUM = "enum"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    TEXT = "text"


class TextFormat(StrEnum):
    PLAIN = "plain"
    ISBN = "isbn"


class Localized(BaseModel):
    """A short text in English and French."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    en: str = Field(min_length=1, max_length=120)
    fr: str = Field(min_length=1, max_length=120)

    def get(self, locale: str) -> str:
        """The text in `locale` ("fr", "fr-CA", …), English otherwise."""
        return self.fr if locale.lower().startswith("fr") else self.en


def L(en: str, fr: str) -> Localized:
    """Shorthand for the tables below."""
    return Localized(en=en, fr=fr)


class Option(BaseModel):
    """One choice of an enum attribute: a stable code and its labels."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: str = Field(pattern=OPTION_PATTERN)
    label: Localized


class AttributeDef(BaseModel):
    """The definition of one attribute (see the module docstring for the types)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=KEY_PATTERN)
    label: Localized
    type: AttributeType
    required: bool = False
    options: tuple[Option, ...] = ()
    minimum: int | None = Field(default=None, ge=-SAFE_INTEGER, le=SAFE_INTEGER)
    maximum: int | None = Field(default=None, ge=-SAFE_INTEGER, le=SAFE_INTEGER)
    multiple_of: int | None = Field(default=None, ge=1)
    decimals: int = Field(default=0, ge=0, le=6)
    unit: Localized | None = None
    max_length: int = Field(default=200, ge=1, le=2000)
    format: TextFormat = TextFormat.PLAIN

    @model_validator(mode="after")
    def _consistent(self) -> AttributeDef:
        numeric = self.type in (AttributeType.INTEGER, AttributeType.DECIMAL)
        if self.type is AttributeType.ENUM:
            if not self.options:
                raise ValueError(f"enum attribute {self.key!r} needs options")
            values = [o.value for o in self.options]
            if len(set(values)) != len(values):
                raise ValueError(f"enum attribute {self.key!r} repeats an option")
        elif self.options:
            raise ValueError(f"only enum attributes have options ({self.key!r})")
        if numeric:
            if self.minimum is None or self.maximum is None:
                raise ValueError(f"numeric attribute {self.key!r} needs minimum and maximum")
            if self.minimum > self.maximum:
                raise ValueError(f"attribute {self.key!r}: minimum > maximum")
        elif self.minimum is not None or self.maximum is not None or self.multiple_of:
            raise ValueError(f"only numeric attributes have bounds ({self.key!r})")
        if (self.type is AttributeType.DECIMAL) != (self.decimals > 0):
            raise ValueError(f"attribute {self.key!r}: decimals > 0 exactly for decimal type")
        if self.unit is not None and not numeric:
            raise ValueError(f"only numeric attributes have a unit ({self.key!r})")
        if self.format is not TextFormat.PLAIN and self.type is not AttributeType.TEXT:
            raise ValueError(f"only text attributes have a format ({self.key!r})")
        return self

    def with_(self, **changes: Any) -> AttributeDef:
        """A copy with some fields changed, checked again (for per-category overrides)."""
        return AttributeDef.model_validate({**self.model_dump(), **changes})

    def as_required(self) -> AttributeDef:
        return self.with_(required=True)

    def option_label(self, value: str, locale: str) -> str | None:
        """The label of an enum option in `locale`, None when the code is unknown."""
        for option in self.options:
            if option.value == value:
                return option.label.get(locale)
        return None


# --------------------------------------------------------------------------------------------
# Validation


def _isbn13(digits: str) -> str | None:
    """The ISBN-13 for a cleaned ISBN-10 or ISBN-13, None when the check digit is wrong."""
    if len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] == "X"):
        total = sum((10 - i) * int(c) for i, c in enumerate(digits[:9]))
        total += 10 if digits[9] == "X" else int(digits[9])
        if total % 11:
            return None
        digits = "978" + digits[:9]
        return digits + str(-sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits)) % 10)
    if len(digits) == 13 and digits.isdigit() and digits[:3] in ("978", "979"):
        total = sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits))
        return digits if total % 10 == 0 else None
    return None


_SPACES = re.compile(r"\s+")


def _text_validator(definition: AttributeDef) -> AfterValidator:
    limit = definition.max_length

    def clean(value: str) -> str:
        # Cheap guard before normalising: a megabyte of text is refused without work.
        if len(value) > 4 * limit + 64:
            raise PydanticCustomError(
                "text_too_long", "At most {limit} characters", {"limit": limit}
            )
        text = _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()
        if any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
            # NUL and lone surrogates also break PostgreSQL's jsonb and UTF-8 encoding.
            raise PydanticCustomError("text_invalid_characters", "Control characters")
        if not text:
            raise PydanticCustomError("text_empty", "Must not be empty")
        if len(text) > limit:
            raise PydanticCustomError(
                "text_too_long", "At most {limit} characters", {"limit": limit}
            )
        if definition.format is TextFormat.ISBN:
            isbn = _isbn13(re.sub(r"[\s-]", "", text).upper())
            if isbn is None:
                raise PydanticCustomError("isbn_invalid", "Not a valid ISBN")
            return isbn
        return text

    return AfterValidator(clean)


def _enum_before(value: object) -> object:
    if not isinstance(value, str):
        raise PydanticCustomError("enum_type", "Must be one of the option codes (a string)")
    return value.strip().lower() if len(value) <= 64 else value


def _value_type(definition: AttributeDef) -> Any:
    match definition.type:
        case AttributeType.ENUM:
            codes = tuple(o.value for o in definition.options)
            return Annotated[Literal[codes], BeforeValidator(_enum_before)]
        case AttributeType.INTEGER | AttributeType.DECIMAL:
            return Annotated[
                int,
                Field(
                    strict=True,
                    ge=definition.minimum,
                    le=definition.maximum,
                    multiple_of=definition.multiple_of,
                ),
            ]
        case AttributeType.BOOLEAN:
            return Annotated[bool, Field(strict=True)]
        case AttributeType.TEXT:
            return Annotated[str, Field(strict=True), _text_validator(definition)]


AttributesAdapter = TypeAdapter[dict[str, Any]]


def build_validator(
    schema: Mapping[str, AttributeDef], *, partial: bool = False
) -> AttributesAdapter:
    """A reusable validator for one category's merged schema (cache it: building costs ~1 ms)."""
    fields = {
        key: (Required if d.required and not partial else NotRequired)[_value_type(d)]
        for key, d in schema.items()
    }
    # Keys are data, not identifiers ("format", "model_config" are fine): the functional form.
    make_typed_dict: Any = TypedDict
    shape = make_typed_dict("Attributes", fields)
    shape.__pydantic_config__ = ConfigDict(extra="forbid", strict=True)
    adapter: AttributesAdapter = TypeAdapter(shape)
    return adapter


_REASONS = {
    "literal_error": "not_an_option",
    "greater_than_equal": "too_small",
    "less_than_equal": "too_large",
    "multiple_of": "not_a_multiple",
    "text_too_long": "too_long",
    "text_empty": "empty",
    "text_invalid_characters": "invalid_characters",
    "isbn_invalid": "isbn_invalid",
}


def _field(key: object) -> str:
    """The error path for a key, printable and bounded whatever the client sent."""
    text = key if isinstance(key, str) else repr(key)
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = "".join(c if c.isprintable() else "\ufffd" for c in text[:64])
    return f"attributes.{text}"


def _raise(problems: list[AttributeProblem]) -> None:
    codes = {p.code for p in problems}
    if ErrorCode.ATTRIBUTE_UNKNOWN in codes:
        raise UnknownAttributes(problems)
    if ErrorCode.ATTRIBUTE_INVALID in codes:
        raise InvalidAttributes(problems)
    raise MissingAttributes(problems)


def validate_against(
    schema: Mapping[str, AttributeDef],
    attributes: object,
    *,
    partial: bool = False,
    validator: AttributesAdapter | None = None,
) -> dict[str, Any]:
    """Normalised attributes for `schema`, or an InvalidAttributes error naming every bad key.

    `attributes` may be any JSON value: null means {}; a key set to null is left out.
    With `partial`, required keys may be absent (search filters, partial edits).
    """
    if attributes is None:
        attributes = {}
    if not isinstance(attributes, Mapping):
        _raise([AttributeProblem("attributes", ErrorCode.ATTRIBUTE_INVALID, "not_an_object")])
    assert isinstance(attributes, Mapping)
    if len(attributes) > MAX_ATTRIBUTES:
        _raise([AttributeProblem("attributes", ErrorCode.ATTRIBUTE_INVALID, "too_many")])
    problems: list[AttributeProblem] = []
    given: dict[str, object] = {}
    for key, value in attributes.items():
        if not isinstance(key, str) or key not in schema:
            problems.append(AttributeProblem(_field(key), ErrorCode.ATTRIBUTE_UNKNOWN, "unknown"))
        elif value is not None:
            given[key] = value
    adapter = validator or build_validator(schema, partial=partial)
    result: dict[str, Any] = {}
    try:
        result = adapter.validate_python(given)
    except ValidationError as error:
        for item in error.errors(include_url=False, include_input=False, include_context=False):
            key = item["loc"][0] if item["loc"] else "attributes"
            if item["type"] == "missing":
                code, reason = ErrorCode.ATTRIBUTE_REQUIRED, "required"
            else:
                code = ErrorCode.ATTRIBUTE_INVALID
                kind = item["type"]
                reason = "wrong_type" if kind.endswith("_type") else _REASONS.get(kind, "invalid")
            field = _field(key)
            if all(p.field != field for p in problems):
                problems.append(AttributeProblem(field, code, reason))
    if problems:
        _raise(problems)
    return {key: result[key] for key in schema if key in result}


# --------------------------------------------------------------------------------------------
# The library: attributes shared by several categories. Categories use them as they are, or
# override a field with `.with_(...)` (same key, e.g. `material` for clothes and for furniture).


def _opts(*pairs: tuple[str, str, str]) -> tuple[Option, ...]:
    return tuple(Option(value=v, label=L(en, fr)) for v, en, fr in pairs)


def enum(
    key: str, label: Localized, *options: tuple[str, str, str], required: bool = False
) -> AttributeDef:
    return AttributeDef(
        key=key, label=label, type=AttributeType.ENUM, options=_opts(*options), required=required
    )


def integer(
    key: str,
    label: Localized,
    minimum: int,
    maximum: int,
    *,
    unit: Localized | None = None,
    multiple_of: int | None = None,
    required: bool = False,
) -> AttributeDef:
    return AttributeDef(
        key=key,
        label=label,
        type=AttributeType.INTEGER,
        minimum=minimum,
        maximum=maximum,
        unit=unit,
        multiple_of=multiple_of,
        required=required,
    )


def decimal(
    key: str,
    label: Localized,
    minimum: int,
    maximum: int,
    *,
    decimals: int,
    unit: Localized | None = None,
    multiple_of: int | None = None,
    required: bool = False,
) -> AttributeDef:
    return AttributeDef(
        key=key,
        label=label,
        type=AttributeType.DECIMAL,
        minimum=minimum,
        maximum=maximum,
        decimals=decimals,
        unit=unit,
        multiple_of=multiple_of,
        required=required,
    )


def boolean(key: str, label: Localized, *, required: bool = False) -> AttributeDef:
    return AttributeDef(key=key, label=label, type=AttributeType.BOOLEAN, required=required)


def text(
    key: str,
    label: Localized,
    *,
    max_length: int = 200,
    format: TextFormat = TextFormat.PLAIN,
    required: bool = False,
) -> AttributeDef:
    return AttributeDef(
        key=key,
        label=label,
        type=AttributeType.TEXT,
        max_length=max_length,
        format=format,
        required=required,
    )


# Units: French writes gigaoctets "Go", pouces, etc.
GB = L("GB", "Go")
INCH = L("in", "pouces")
CM = L("cm", "cm")
MM = L("mm", "mm")
KG = L("kg", "kg")
VOLT = L("V", "V")
WATT_HOUR = L("Wh", "Wh")
PERCENT = L("%", "%")
YEARS = L("years", "ans")
MEGAPIXELS = L("MP", "Mpx")
EU_SIZE = L("EU", "EU")
PEOPLE = L("people", "personnes")

BRAND = text("brand", L("Brand", "Marque"), max_length=60)
MODEL = text("model", L("Model", "Modèle"), max_length=80)

COLOUR = enum(
    "colour",
    L("Colour", "Couleur"),
    ("black", "Black", "Noir"),
    ("white", "White", "Blanc"),
    ("grey", "Grey", "Gris"),
    ("beige", "Beige", "Beige"),
    ("brown", "Brown", "Marron"),
    ("red", "Red", "Rouge"),
    ("orange", "Orange", "Orange"),
    ("yellow", "Yellow", "Jaune"),
    ("green", "Green", "Vert"),
    ("blue", "Blue", "Bleu"),
    ("navy", "Navy", "Bleu marine"),
    ("purple", "Purple", "Violet"),
    ("pink", "Pink", "Rose"),
    ("gold", "Gold", "Doré"),
    ("silver", "Silver", "Argenté"),
    ("multicolour", "Multicolour", "Multicolore"),
)

MATERIAL = enum(
    "material",
    L("Material", "Matière"),
    ("cotton", "Cotton", "Coton"),
    ("wool", "Wool", "Laine"),
    ("cashmere", "Cashmere", "Cachemire"),
    ("linen", "Linen", "Lin"),
    ("silk", "Silk", "Soie"),
    ("denim", "Denim", "Jean"),
    ("leather", "Leather", "Cuir"),
    ("faux-leather", "Faux leather", "Similicuir"),
    ("polyester", "Polyester", "Polyester"),
    ("viscose", "Viscose", "Viscose"),
    ("synthetic", "Other synthetic", "Autre synthétique"),
    ("other", "Other", "Autre"),
)

FURNITURE_MATERIAL = MATERIAL.with_(
    options=_opts(
        ("solid-wood", "Solid wood", "Bois massif"),
        ("engineered-wood", "Chipboard / MDF", "Aggloméré / MDF"),
        ("metal", "Metal", "Métal"),
        ("glass", "Glass", "Verre"),
        ("plastic", "Plastic", "Plastique"),
        ("rattan", "Rattan / wicker", "Rotin / osier"),
        ("fabric", "Fabric", "Tissu"),
        ("leather", "Leather", "Cuir"),
        ("stone", "Stone / marble", "Pierre / marbre"),
        ("other", "Other", "Autre"),
    )
)

_LETTER_SIZES = (
    ("xxs", "XXS", "XXS"),
    ("xs", "XS", "XS"),
    ("s", "S", "S"),
    ("m", "M", "M"),
    ("l", "L", "L"),
    ("xl", "XL", "XL"),
    ("xxl", "XXL", "XXL"),
    ("3xl", "3XL", "3XL"),
    ("4xl", "4XL", "4XL"),
)
SIZE = enum(
    "size",
    L("Size", "Taille"),
    *_LETTER_SIZES,
    ("one-size", "One size", "Taille unique"),
    *((f"eu-{n}", f"EU {n}", f"EU {n}") for n in range(32, 64, 2)),
)
"""Clothing size: letters (XXS…4XL), one size, or EU numeric sizes 32…62."""

KIDS_SIZE = enum(
    "kids_size",
    L("Size (age)", "Taille (âge)"),
    ("newborn", "Newborn", "Naissance"),
    ("1m", "1 month", "1 mois"),
    *((f"{n}m", f"{n} months", f"{n} mois") for n in (3, 6, 9, 12, 18, 24)),
    *((f"{n}y", f"{n} years", f"{n} ans") for n in range(3, 17)),
)

SHOE_SIZE = decimal(
    "shoe_size",
    L("Shoe size (EU)", "Pointure (EU)"),
    160,
    500,
    decimals=1,
    multiple_of=5,
    unit=EU_SIZE,
)
"""EU shoe size 16 to 50 in half sizes, sent in tenths: 375 is a 37.5."""

STORAGE_GB = integer("storage_gb", L("Storage", "Stockage"), 1, 65_536, unit=GB)
RAM_GB = integer("ram_gb", L("Memory (RAM)", "Mémoire vive (RAM)"), 1, 2_048, unit=GB)
SCREEN_SIZE = decimal(
    "screen_size", L("Screen size", "Taille d'écran"), 10, 1_500, decimals=1, unit=INCH
)
"""Diagonal in tenths of an inch: 156 is 15.6 in."""

OPERATING_SYSTEM = enum(
    "os",
    L("Operating system", "Système d'exploitation"),
    ("windows", "Windows", "Windows"),
    ("macos", "macOS", "macOS"),
    ("linux", "Linux", "Linux"),
    ("chromeos", "ChromeOS", "ChromeOS"),
    ("ios", "iOS / iPadOS", "iOS / iPadOS"),
    ("android", "Android", "Android"),
    ("other", "Other", "Autre"),
)
UNLOCKED = boolean("unlocked", L("Unlocked (any carrier)", "Désimlocké (tout opérateur)"))
BATTERY_HEALTH = integer(
    "battery_health", L("Battery health", "État de la batterie"), 0, 100, unit=PERCENT
)
RESOLUTION = enum(
    "resolution",
    L("Resolution", "Résolution"),
    ("hd", "HD (720p)", "HD (720p)"),
    ("full-hd", "Full HD (1080p)", "Full HD (1080p)"),
    ("4k", "4K UHD", "4K UHD"),
    ("8k", "8K", "8K"),
)
PLATFORM = enum(
    "platform",
    L("Platform", "Plateforme"),
    ("playstation-5", "PlayStation 5", "PlayStation 5"),
    ("playstation-4", "PlayStation 4", "PlayStation 4"),
    ("playstation-older", "Older PlayStation", "PlayStation plus ancienne"),
    ("xbox-series", "Xbox Series X|S", "Xbox Series X|S"),
    ("xbox-one", "Xbox One", "Xbox One"),
    ("xbox-older", "Older Xbox", "Xbox plus ancienne"),
    ("nintendo-switch", "Nintendo Switch", "Nintendo Switch"),
    ("nintendo-switch-2", "Nintendo Switch 2", "Nintendo Switch 2"),
    ("nintendo-handheld", "Nintendo DS / 3DS", "Nintendo DS / 3DS"),
    ("nintendo-older", "Older Nintendo", "Nintendo plus ancienne"),
    ("pc", "PC", "PC"),
    ("retro", "Other retro consoles", "Autres consoles rétro"),
    ("other", "Other", "Autre"),
)
MEGAPIXEL_COUNT = integer(
    "megapixels", L("Sensor resolution", "Définition du capteur"), 1, 400, unit=MEGAPIXELS
)

LANGUAGE = enum(
    "language",
    L("Language", "Langue"),
    ("fr", "French", "Français"),
    ("en", "English", "Anglais"),
    ("de", "German", "Allemand"),
    ("es", "Spanish", "Espagnol"),
    ("it", "Italian", "Italien"),
    ("nl", "Dutch", "Néerlandais"),
    ("pt", "Portuguese", "Portugais"),
    ("ar", "Arabic", "Arabe"),
    ("zh", "Chinese", "Chinois"),
    ("ja", "Japanese", "Japonais"),
    ("other", "Other", "Autre"),
)
"""Language codes are ISO 639-1."""

ISBN = text("isbn", L("ISBN", "ISBN"), max_length=20, format=TextFormat.ISBN)
AUTHOR = text("author", L("Author", "Auteur"), max_length=120)
BOOK_FORMAT = enum(
    "format",
    L("Format", "Format"),
    ("paperback", "Paperback", "Broché"),
    ("hardcover", "Hardcover", "Relié"),
    ("pocket", "Pocket book", "Livre de poche"),
    ("other", "Other", "Autre"),
)
MUSIC_FORMAT = BOOK_FORMAT.with_(
    options=_opts(
        ("vinyl", "Vinyl", "Vinyle"),
        ("cd", "CD", "CD"),
        ("cassette", "Cassette", "Cassette"),
        ("other", "Other", "Autre"),
    )
)
FILM_FORMAT = BOOK_FORMAT.with_(
    options=_opts(
        ("dvd", "DVD", "DVD"),
        ("blu-ray", "Blu-ray", "Blu-ray"),
        ("4k-blu-ray", "4K Ultra HD Blu-ray", "Blu-ray 4K Ultra HD"),
        ("vhs", "VHS", "VHS"),
        ("other", "Other", "Autre"),
    )
)

AGE_RANGE = enum(
    "age_range",
    L("Age", "Âge"),
    ("0-1", "0–12 months", "0–12 mois"),
    ("1-3", "1–3 years", "1–3 ans"),
    ("3-6", "3–6 years", "3–6 ans"),
    ("6-9", "6–9 years", "6–9 ans"),
    ("9-12", "9–12 years", "9–12 ans"),
    ("12-plus", "12 years and over", "12 ans et plus"),
)
COMPLETE = boolean("complete", L("Complete (no missing parts)", "Complet (aucune pièce manquante)"))
PLAYERS_MIN = integer("players_min", L("Players (min)", "Joueurs (min)"), 1, 99)
PLAYERS_MAX = integer("players_max", L("Players (max)", "Joueurs (max)"), 1, 99)
YEAR = integer("year", L("Year", "Année"), -3_000, 2_100)

FRAME_SIZE = enum(
    "frame_size",
    L("Frame size", "Taille du cadre"),
    *_LETTER_SIZES[:7],
)
WHEEL_SIZE = enum(
    "wheel_size",
    L("Wheel size", "Taille des roues"),
    *((str(n), f'{n}"', f"{n} pouces") for n in (12, 14, 16, 20, 24, 26)),
    ("27-5", '27.5" (650b)', "27,5 pouces (650b)"),
    ("28", '28" (700c)', "28 pouces (700c)"),
    ("29", '29"', "29 pouces"),
)
GEARS = integer("gears", L("Number of gears", "Nombre de vitesses"), 1, 36)
BATTERY_WH = integer(
    "battery_wh", L("Battery capacity", "Capacité de la batterie"), 50, 3_000, unit=WATT_HOUR
)
SKI_LENGTH = integer("length_cm", L("Length", "Longueur"), 50, 240, unit=CM)

WIDTH = integer("width_cm", L("Width", "Largeur"), 1, 1_000, unit=CM)
DEPTH = integer("depth_cm", L("Depth", "Profondeur"), 1, 1_000, unit=CM)
HEIGHT = integer("height_cm", L("Height", "Hauteur"), 1, 1_000, unit=CM)
BED_SIZE = enum(
    "bed_size",
    L("Bed size", "Dimensions du couchage"),
    *(
        (f"{w}x{h}", f"{w} × {h} cm", f"{w} × {h} cm")
        for w, h in (
            (90, 190),
            (90, 200),
            (140, 190),
            (140, 200),
            (160, 200),
            (180, 200),
            (200, 200),
        )
    ),
    ("other", "Other", "Autre"),
)
ENERGY_CLASS = enum(
    "energy_class",
    L("Energy class", "Classe énergétique"),
    *((c, c.upper(), c.upper()) for c in "abcdefg"),
)
POWER_SOURCE = enum(
    "power_source",
    L("Power source", "Alimentation"),
    ("mains", "Corded (mains)", "Filaire (secteur)"),
    ("battery", "Cordless (battery)", "Sans fil (batterie)"),
    ("petrol", "Petrol", "Thermique (essence)"),
    ("manual", "Manual", "Manuel"),
)
VOLTAGE = integer("voltage", L("Voltage", "Tension"), 1, 1_000, unit=VOLT)

VEHICLE_MAKE = text("vehicle_make", L("Vehicle make", "Marque du véhicule"), max_length=40)
VEHICLE_MODEL = text("vehicle_model", L("Vehicle model", "Modèle du véhicule"), max_length=60)
PART_NUMBER = text("part_number", L("Part number", "Référence de la pièce"), max_length=60)
TYRE_WIDTH = integer("tyre_width", L("Tyre width", "Largeur du pneu"), 80, 400, unit=MM)
TYRE_ASPECT = integer(
    "tyre_aspect_ratio", L("Aspect ratio", "Série (hauteur/largeur)"), 20, 100, unit=PERCENT
)
RIM_DIAMETER = integer("rim_diameter", L("Rim diameter", "Diamètre de jante"), 8, 26, unit=INCH)
TYRE_SEASON = enum(
    "tyre_season",
    L("Season", "Saison"),
    ("summer", "Summer", "Été"),
    ("winter", "Winter", "Hiver"),
    ("all-season", "All season", "4 saisons"),
)

CAR_SEAT_GROUP = enum(
    "car_seat_group",
    L("Group / child size", "Groupe / taille de l'enfant"),
    ("group-0-plus", "Group 0+ (up to 13 kg, 40–85 cm)", "Groupe 0+ (jusqu'à 13 kg, 40–85 cm)"),
    ("group-0-plus-1", "Group 0+/1 (up to 18 kg)", "Groupe 0+/1 (jusqu'à 18 kg)"),
    ("group-1", "Group 1 (9–18 kg, 76–105 cm)", "Groupe 1 (9–18 kg, 76–105 cm)"),
    ("group-1-2-3", "Group 1/2/3 (9–36 kg)", "Groupe 1/2/3 (9–36 kg)"),
    ("group-2-3", "Group 2/3 (15–36 kg, 100–150 cm)", "Groupe 2/3 (15–36 kg, 100–150 cm)"),
)
ISOFIX = boolean("isofix", L("Isofix", "Isofix"))

MAX_LOAD = integer("max_load_kg", L("Maximum load", "Charge maximale"), 1, 3_500, unit=KG)
CAPACITY_PEOPLE = integer("capacity_people", L("Capacity", "Capacité"), 1, 5_000, unit=PEOPLE)

EXPERIENCE_YEARS = integer("experience_years", L("Experience", "Expérience"), 0, 80, unit=YEARS)
REMOTE = boolean("remote", L("Can be done remotely", "Possible à distance"))
TOOLS_PROVIDED = boolean("tools_provided", L("Tools provided", "Outils fournis"))
VEHICLE_PROVIDED = boolean("vehicle_provided", L("Vehicle provided", "Véhicule fourni"))
SUBJECT = enum(
    "subject",
    L("Subject", "Matière"),
    ("maths", "Maths", "Mathématiques"),
    ("physics-chemistry", "Physics & chemistry", "Physique-chimie"),
    ("biology", "Biology", "SVT (biologie)"),
    ("french", "French", "Français"),
    ("english", "English", "Anglais"),
    ("other-languages", "Other languages", "Autres langues"),
    ("history-geography", "History & geography", "Histoire-géographie"),
    ("economics", "Economics", "Économie"),
    ("philosophy", "Philosophy", "Philosophie"),
    ("computer-science", "Computer science", "Informatique"),
    ("other", "Other", "Autre"),
)
SCHOOL_LEVEL = enum(
    "level",
    L("Level", "Niveau"),
    ("primary", "Primary school", "Primaire"),
    ("middle-school", "Middle school", "Collège"),
    ("high-school", "High school", "Lycée"),
    ("university", "University", "Supérieur"),
    ("adult", "Adults", "Adultes"),
)
INSTRUMENT = text("instrument", L("Instrument", "Instrument"), max_length=60)
SPORT = text("sport", L("Sport", "Sport"), max_length=60)
FIRST_AID = boolean(
    "first_aid_certified", L("First-aid certificate", "Formé(e) aux premiers secours")
)
ANIMAL = enum(
    "animal",
    L("Animals", "Animaux"),
    ("dogs", "Dogs", "Chiens"),
    ("cats", "Cats", "Chats"),
    ("small-pets", "Small pets", "Petits animaux"),
    ("birds", "Birds", "Oiseaux"),
    ("fish", "Fish", "Poissons"),
    ("other", "Other", "Autre"),
)
