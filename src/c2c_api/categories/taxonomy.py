"""The category tree: nodes, inherited kinds and attribute schemas, and the default taxonomy.

A `CategoryNode` is plain data (a frozen pydantic model): a stable kebab-case slug that is never
reused, a parent, a position among its siblings, names in English and French, the listing kinds
it accepts (None: as its parent) and its own attributes. A `Taxonomy` checks a set of nodes
(unique slugs, known parents, no cycles, kinds narrowing down the tree, no retired slug) and
answers the questions listings and search ask: descendants, ancestors, allowed kinds, the merged
attribute schema, names by locale.

The default taxonomy below is what a fresh database is seeded with (the listings issue adds the
tables and operators' edits; a `Taxonomy` can be built from those rows the same way).
Deliberately absent: cars and motorbikes (a regulated sale: registration papers, roadworthiness
test, high-value escrow; only parts and equipment are here), real estate (leases and agents are
regulated, not a C2C goods flow), live animals (sales by individuals online are restricted in
France; pet supplies are here) and jobs. Free items and wanted ads are listing kinds (DONATION,
WANTED), not categories.
"""

# Names use typographic dashes on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from c2c_api.categories import attributes as a
from c2c_api.categories.attributes import (
    AttributeDef,
    AttributesAdapter,
    L,
    Localized,
    build_validator,
    validate_against,
)
from c2c_api.categories.errors import (
    CategoryNotAssignable,
    KindNotAllowedInCategory,
    UnknownCategory,
)


class ListingKind(StrEnum):
    """The collaborative forms of C2C (DESIGN.md section 3)."""

    SALE = "SALE"
    AUCTION = "AUCTION"
    RENTAL = "RENTAL"
    SERVICE = "SERVICE"
    SWAP = "SWAP"
    DONATION = "DONATION"
    GROUP_BUY = "GROUP_BUY"
    WANTED = "WANTED"


K = ListingKind
GOODS_KINDS = frozenset({K.SALE, K.AUCTION, K.SWAP, K.DONATION, K.GROUP_BUY, K.WANTED})
RENTAL_KINDS = frozenset({K.RENTAL, K.WANTED})
SERVICE_KINDS = frozenset({K.SERVICE, K.WANTED})

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class CategoryNode(BaseModel):
    """One category as stored: the tree is given by `parent` and `position`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slug: str = Field(pattern=SLUG_PATTERN, max_length=60)
    parent: str | None = None
    position: int = Field(default=0, ge=0)
    name: Localized
    kinds: frozenset[ListingKind] | None = None
    """Listing kinds accepted here; None means the parent's (a root must say)."""
    attributes: tuple[AttributeDef, ...] = ()
    """Own attributes, added to the inherited ones; the same key overrides the ancestor's."""


class TaxonomyError(ValueError):
    """A set of nodes that does not form a valid taxonomy (a bug in data, not user input)."""


class Taxonomy:
    """A checked, immutable category tree with the lookups listings and search need."""

    def __init__(self, nodes: Iterable[CategoryNode], *, retired: Iterable[str] = ()) -> None:
        self._nodes: dict[str, CategoryNode] = {}
        for node in nodes:
            if node.slug in self._nodes:
                raise TaxonomyError(f"duplicate slug {node.slug!r}")
            self._nodes[node.slug] = node
        reused = set(retired) & self._nodes.keys()
        if reused:
            raise TaxonomyError(f"retired slugs reused: {sorted(reused)}")
        self._children: dict[str | None, list[str]] = {}
        for node in self._nodes.values():
            if node.parent is not None and node.parent not in self._nodes:
                raise TaxonomyError(f"{node.slug!r} has an unknown parent {node.parent!r}")
            self._children.setdefault(node.parent, []).append(node.slug)
        for siblings in self._children.values():
            siblings.sort(key=lambda s: (self._nodes[s].position, s))
            positions = [self._nodes[s].position for s in siblings]
            if len(set(positions)) != len(positions):
                raise TaxonomyError(f"siblings share a position: {siblings}")
        self._order: list[str] = []
        self._kinds: dict[str, frozenset[ListingKind]] = {}
        self._schemas: dict[str, Mapping[str, AttributeDef]] = {}
        self._depth: dict[str, int] = {}
        self._walk(None, frozenset(), {}, 0)
        if len(self._order) != len(self._nodes):
            lost = sorted(self._nodes.keys() - set(self._order))
            raise TaxonomyError(f"nodes in a cycle (unreachable from a root): {lost}")
        self._index = {slug: i for i, slug in enumerate(self._order)}
        self._validators: dict[tuple[str, bool], AttributesAdapter] = {}

    def _walk(
        self,
        parent: str | None,
        kinds: frozenset[ListingKind],
        schema: dict[str, AttributeDef],
        depth: int,
    ) -> None:
        for slug in self._children.get(parent, ()):
            node = self._nodes[slug]
            own = node.kinds if node.kinds is not None else kinds
            if not own:
                raise TaxonomyError(f"{slug!r} accepts no listing kind")
            if parent is not None and not own <= kinds:
                raise TaxonomyError(f"{slug!r} accepts kinds its parent does not")
            keys = [d.key for d in node.attributes]
            if len(set(keys)) != len(keys):
                raise TaxonomyError(f"{slug!r} declares an attribute twice")
            merged = dict(schema)
            merged.update((d.key, d) for d in node.attributes)
            self._order.append(slug)
            self._kinds[slug] = own
            self._schemas[slug] = MappingProxyType(merged)
            self._depth[slug] = depth
            self._walk(slug, own, merged, depth + 1)

    # -- lookups -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, slug: object) -> bool:
        return isinstance(slug, str) and slug in self._nodes

    def iter_nodes(self) -> Iterator[CategoryNode]:
        """Every node, depth first, siblings by position (the order of a tree view)."""
        return (self._nodes[s] for s in self._order)

    def roots(self) -> list[CategoryNode]:
        return [self._nodes[s] for s in self._children.get(None, ())]

    def find(self, slug: object) -> CategoryNode | None:
        """The node, or None (for reads: an unknown slug is simply not found)."""
        return self._nodes.get(slug) if isinstance(slug, str) else None

    def get(self, slug: object, *, field: str = "category") -> CategoryNode:
        """The node, or UnknownCategory naming `field` (for writes and filters)."""
        node = self.find(slug)
        if node is None:
            raise UnknownCategory(fields=[field], context={"slug": str(slug)[:80]})
        return node

    def children(self, slug: str) -> list[CategoryNode]:
        self.get(slug)
        return [self._nodes[s] for s in self._children.get(slug, ())]

    def is_leaf(self, slug: str) -> bool:
        self.get(slug)
        return not self._children.get(slug)

    def descendants(self, slug: str) -> list[CategoryNode]:
        """The node itself and everything below it, depth first."""
        node = self.get(slug)
        start = self._index[node.slug]
        depth = self._depth[node.slug]
        end = start + 1
        while end < len(self._order) and self._depth[self._order[end]] > depth:
            end += 1
        return [self._nodes[s] for s in self._order[start:end]]

    def descendant_slugs(self, slug: str) -> list[str]:
        """Slugs of `descendants(slug)`: what a category filter matches (an SQL `IN`)."""
        return [n.slug for n in self.descendants(slug)]

    def ancestors(self, slug: str) -> list[CategoryNode]:
        """From the root down to the parent (not the node itself; [] for a root)."""
        node = self.get(slug)
        chain: list[CategoryNode] = []
        while node.parent is not None:
            node = self._nodes[node.parent]
            chain.append(node)
        return chain[::-1]

    def path(self, slug: str) -> list[CategoryNode]:
        """Breadcrumbs: the ancestors, then the node."""
        return [*self.ancestors(slug), self.get(slug)]

    def depth(self, slug: str) -> int:
        """0 for a root."""
        return self._depth[self.get(slug).slug]

    def kinds_allowed(self, slug: str) -> frozenset[ListingKind]:
        return self._kinds[self.get(slug).slug]

    def schema_for(self, slug: str) -> Mapping[str, AttributeDef]:
        """The merged attribute schema: inherited first (root down), then the node's own."""
        return self._schemas[self.get(slug).slug]

    def name(self, slug: str, locale: str) -> str:
        return self.get(slug).name.get(locale)

    # -- checks for listings -------------------------------------------------------------

    def check_listing_category(self, slug: object, kind: str) -> CategoryNode:
        """The node a listing of `kind` may be filed under, or a typed error on "category"."""
        node = self.get(slug)
        if self._children.get(node.slug):
            raise CategoryNotAssignable(
                fields=["category"],
                context={"slug": node.slug, "children": list(self._children[node.slug])},
            )
        allowed = self._kinds[node.slug]
        if kind not in allowed:
            raise KindNotAllowedInCategory(
                fields=["category"],
                context={"slug": node.slug, "kind": str(kind), "allowed": sorted(allowed)},
            )
        return node

    def validate_attributes(
        self, slug: object, attributes: object, *, partial: bool = False
    ) -> dict[str, Any]:
        """Normalised attributes for `slug`, or an InvalidAttributes error (see attributes.py)."""
        node = self.get(slug)
        cache_key = (node.slug, partial)
        validator = self._validators.get(cache_key)
        if validator is None:
            validator = build_validator(self._schemas[node.slug], partial=partial)
            self._validators[cache_key] = validator
        return validate_against(
            self._schemas[node.slug], attributes, partial=partial, validator=validator
        )


# --------------------------------------------------------------------------------------------
# The default taxonomy


RETIRED_SLUGS: frozenset[str] = frozenset()
"""Slugs once used and removed: never given to another category (old links and saved searches)."""


@dataclass(frozen=True)
class _Spec:
    slug: str
    en: str
    fr: str
    children: tuple[_Spec, ...] = ()
    kinds: frozenset[ListingKind] | None = None
    attrs: tuple[AttributeDef, ...] = field(default=())


def _n(
    slug: str,
    en: str,
    fr: str,
    *children: _Spec,
    kinds: frozenset[ListingKind] | None = None,
    attrs: tuple[AttributeDef, ...] = (),
) -> _Spec:
    return _Spec(slug, en, fr, children, kinds, attrs)


# fmt: off
_TREE: tuple[_Spec, ...] = (
    _n(
        "fashion", "Fashion", "Mode",
        _n(
            "women-clothing", "Women's clothing", "Vêtements femme",
            _n("women-tops", "Tops & T-shirts", "Hauts et t-shirts"),
            _n("women-dresses-skirts", "Dresses & skirts", "Robes et jupes"),
            _n("women-trousers-jeans", "Trousers & jeans", "Pantalons et jeans"),
            _n("women-coats-jackets", "Coats & jackets", "Manteaux et vestes"),
            _n("women-knitwear", "Jumpers & cardigans", "Pulls et gilets"),
            attrs=(a.SIZE.as_required(), a.MATERIAL),
        ),
        _n(
            "men-clothing", "Men's clothing", "Vêtements homme",
            _n("men-tops", "T-shirts & shirts", "T-shirts et chemises"),
            _n("men-trousers-jeans", "Trousers & jeans", "Pantalons et jeans"),
            _n("men-coats-jackets", "Coats & jackets", "Manteaux et vestes"),
            _n("men-knitwear", "Jumpers & sweatshirts", "Pulls et sweats"),
            attrs=(a.SIZE.as_required(), a.MATERIAL),
        ),
        _n(
            "kids-clothing", "Kids' clothing", "Vêtements enfant",
            _n("girls-clothing", "Girls", "Filles"),
            _n("boys-clothing", "Boys", "Garçons"),
            _n("baby-clothing", "Baby (0–24 months)", "Bébé (0–24 mois)"),
            attrs=(a.KIDS_SIZE.as_required(), a.MATERIAL),
        ),
        _n(
            "shoes", "Shoes", "Chaussures",
            _n("women-shoes", "Women's shoes", "Chaussures femme"),
            _n("men-shoes", "Men's shoes", "Chaussures homme"),
            _n("kids-shoes", "Kids' shoes", "Chaussures enfant"),
            attrs=(a.SHOE_SIZE.as_required(),),
        ),
        _n(
            "bags-luggage", "Bags & luggage", "Sacs et bagages",
            _n("handbags", "Handbags", "Sacs à main"),
            _n("backpacks", "Backpacks", "Sacs à dos"),
            _n("luggage", "Suitcases & travel bags", "Valises et sacs de voyage"),
            attrs=(a.MATERIAL,),
        ),
        _n(
            "accessories", "Accessories", "Accessoires",
            _n("jewellery", "Jewellery", "Bijoux"),
            _n("watches", "Watches", "Montres"),
            _n("hats-scarves-belts", "Hats, scarves & belts", "Chapeaux, écharpes et ceintures"),
        ),
        _n("beauty", "Beauty & fragrance", "Beauté et parfums"),
        kinds=GOODS_KINDS,
        attrs=(a.BRAND, a.COLOUR),
    ),
    _n(
        "electronics", "Electronics", "Électronique",
        _n(
            "phones", "Phones & smartwatches", "Téléphones et montres connectées",
            _n(
                "smartphones", "Smartphones", "Smartphones",
                attrs=(a.STORAGE_GB, a.SCREEN_SIZE, a.UNLOCKED, a.BATTERY_HEALTH, a.COLOUR),
            ),
            _n("smartwatches", "Smartwatches", "Montres connectées"),
            _n("phone-accessories", "Phone accessories", "Accessoires de téléphone"),
        ),
        _n(
            "computers", "Computers & tablets", "Informatique et tablettes",
            _n(
                "laptops", "Laptops", "Ordinateurs portables",
                attrs=(a.STORAGE_GB, a.RAM_GB, a.SCREEN_SIZE, a.OPERATING_SYSTEM),
            ),
            _n(
                "desktops", "Desktop computers", "Ordinateurs de bureau",
                attrs=(a.STORAGE_GB, a.RAM_GB, a.OPERATING_SYSTEM),
            ),
            _n(
                "tablets", "Tablets & e-readers", "Tablettes et liseuses",
                attrs=(a.STORAGE_GB, a.SCREEN_SIZE, a.OPERATING_SYSTEM),
            ),
            _n("computer-parts", "Components & peripherals", "Composants et périphériques"),
        ),
        _n(
            "audio", "Audio & hi-fi", "Son et hi-fi",
            _n("headphones", "Headphones & earbuds", "Casques et écouteurs"),
            _n("speakers-hifi", "Speakers & hi-fi systems", "Enceintes et chaînes hi-fi"),
        ),
        _n(
            "tv-video", "TV & video", "TV et vidéo",
            _n(
                "televisions", "Televisions", "Téléviseurs",
                attrs=(a.SCREEN_SIZE, a.RESOLUTION),
            ),
            _n("projectors", "Projectors", "Vidéoprojecteurs", attrs=(a.RESOLUTION,)),
        ),
        _n(
            "cameras", "Photo & video", "Photo et vidéo",
            _n(
                "cameras-camcorders", "Cameras & camcorders", "Appareils photo et caméscopes",
                attrs=(a.MEGAPIXEL_COUNT,),
            ),
            _n("lenses-accessories", "Lenses & accessories", "Objectifs et accessoires"),
            _n("drones", "Drones", "Drones"),
        ),
        _n(
            "video-games", "Video games & consoles", "Jeux vidéo et consoles",
            _n(
                "consoles", "Consoles", "Consoles",
                attrs=(a.PLATFORM.as_required(), a.STORAGE_GB),
            ),
            _n("games", "Video games", "Jeux vidéo", attrs=(a.PLATFORM.as_required(),)),
            _n(
                "gaming-accessories", "Controllers & accessories", "Manettes et accessoires",
                attrs=(a.PLATFORM,),
            ),
        ),
        kinds=GOODS_KINDS,
        attrs=(a.BRAND, a.MODEL),
    ),
    _n(
        "home-garden", "Home & garden", "Maison et jardin",
        _n(
            "furniture", "Furniture", "Meubles",
            _n("sofas-armchairs", "Sofas & armchairs", "Canapés et fauteuils"),
            _n("tables-chairs", "Tables & chairs", "Tables et chaises"),
            _n("beds-mattresses", "Beds & mattresses", "Lits et matelas", attrs=(a.BED_SIZE,)),
            _n("storage-furniture", "Wardrobes & storage", "Armoires et rangements"),
            attrs=(a.FURNITURE_MATERIAL, a.COLOUR, a.WIDTH, a.DEPTH, a.HEIGHT),
        ),
        _n(
            "appliances", "Appliances", "Électroménager",
            _n(
                "large-appliances", "Large appliances", "Gros électroménager",
                attrs=(a.ENERGY_CLASS,),
            ),
            _n(
                "kitchen-appliances", "Small kitchen appliances",
                "Petit électroménager de cuisine",
            ),
            _n(
                "floor-care", "Vacuum cleaners & floor care", "Aspirateurs et entretien des sols"
            ),
            attrs=(a.BRAND, a.MODEL),
        ),
        _n("kitchenware", "Kitchenware & tableware", "Cuisine et arts de la table"),
        _n(
            "decoration", "Decoration", "Décoration",
            _n("lighting", "Lighting", "Luminaires"),
            _n("home-textiles", "Home textiles", "Linge de maison"),
            _n("decorative-objects", "Decorative objects", "Objets de décoration"),
            attrs=(a.COLOUR,),
        ),
        _n(
            "diy", "DIY & tools", "Bricolage",
            _n(
                "power-tools", "Power tools", "Outillage électroportatif",
                attrs=(a.POWER_SOURCE, a.VOLTAGE),
            ),
            _n("hand-tools", "Hand tools", "Outillage à main"),
            _n("building-materials", "Building materials", "Matériaux de construction"),
            attrs=(a.BRAND,),
        ),
        _n(
            "garden", "Garden", "Jardin",
            _n(
                "garden-furniture", "Garden furniture & barbecues",
                "Mobilier de jardin et barbecues", attrs=(a.FURNITURE_MATERIAL,),
            ),
            _n(
                "garden-machinery", "Garden tools & machinery", "Outils de jardin et motoculture",
                attrs=(a.BRAND, a.POWER_SOURCE),
            ),
            _n("plants-pots", "Plants & pots", "Plantes et pots"),
        ),
        kinds=GOODS_KINDS,
    ),
    _n(
        "leisure", "Leisure & culture", "Loisirs et culture",
        _n(
            "books", "Books", "Livres",
            attrs=(a.ISBN, a.AUTHOR, a.LANGUAGE, a.BOOK_FORMAT),
        ),
        _n(
            "comics", "Comics & manga", "BD et mangas",
            attrs=(a.ISBN, a.AUTHOR, a.LANGUAGE, a.BOOK_FORMAT),
        ),
        _n("music", "CDs & vinyl", "CD et vinyles", attrs=(a.MUSIC_FORMAT,)),
        _n("films", "Films & series", "Films et séries", attrs=(a.FILM_FORMAT, a.LANGUAGE)),
        _n(
            "musical-instruments", "Musical instruments", "Instruments de musique",
            _n("guitars", "Guitars & basses", "Guitares et basses"),
            _n("keyboards-pianos", "Pianos & keyboards", "Pianos et claviers"),
            _n("drums", "Drums & percussion", "Batteries et percussions"),
            _n("wind-instruments", "Wind instruments", "Instruments à vent"),
            _n("studio-dj", "Studio, DJ & PA", "Home studio, DJ et sonorisation"),
            attrs=(a.BRAND, a.MODEL),
        ),
        _n(
            "board-games", "Board games & puzzles", "Jeux de société et puzzles",
            attrs=(a.AGE_RANGE, a.PLAYERS_MIN, a.PLAYERS_MAX, a.LANGUAGE, a.COMPLETE),
        ),
        _n(
            "collectibles", "Collectibles", "Collections",
            _n("stamps", "Stamps", "Timbres"),
            _n("coins-banknotes", "Coins & banknotes", "Monnaies et billets"),
            _n("trading-cards", "Trading cards", "Cartes à collectionner", attrs=(a.LANGUAGE,)),
            _n("antiques", "Antiques", "Antiquités"),
            attrs=(a.YEAR,),
        ),
        _n("arts-crafts", "Arts & crafts supplies", "Loisirs créatifs"),
        kinds=GOODS_KINDS,
    ),
    _n(
        "sports", "Sports & outdoors", "Sports et plein air",
        _n("fitness", "Fitness & weights", "Fitness et musculation"),
        _n("camping-hiking", "Camping & hiking", "Camping et randonnée"),
        _n("winter-sports", "Winter sports", "Sports d'hiver", attrs=(a.SKI_LENGTH,)),
        _n("water-sports", "Water sports", "Sports nautiques"),
        _n(
            "team-racket-sports", "Team & racket sports", "Sports collectifs et de raquette"
        ),
        _n("sportswear", "Sportswear", "Vêtements de sport", attrs=(a.SIZE, a.COLOUR)),
        _n(
            "bikes", "Bikes", "Vélos",
            _n("city-bikes", "City bikes", "Vélos de ville"),
            _n("road-bikes", "Road & gravel bikes", "Vélos de route et gravel"),
            _n("mountain-bikes", "Mountain bikes", "VTT"),
            _n("electric-bikes", "Electric bikes", "Vélos électriques", attrs=(a.BATTERY_WH,)),
            _n("kids-bikes", "Kids' bikes", "Vélos enfant"),
            attrs=(a.FRAME_SIZE, a.WHEEL_SIZE, a.GEARS, a.COLOUR),
        ),
        _n("bike-parts", "Bike parts & accessories", "Pièces et accessoires vélo"),
        kinds=GOODS_KINDS,
        attrs=(a.BRAND,),
    ),
    _n(
        "vehicle-equipment", "Vehicle parts & equipment", "Pièces et équipements auto-moto",
        _n(
            "car-parts", "Car parts", "Pièces auto",
            attrs=(a.VEHICLE_MAKE, a.VEHICLE_MODEL, a.PART_NUMBER),
        ),
        _n(
            "tyres-wheels", "Tyres & wheels", "Pneus et jantes",
            attrs=(a.TYRE_WIDTH, a.TYRE_ASPECT, a.RIM_DIAMETER, a.TYRE_SEASON),
        ),
        _n(
            "car-accessories", "Car accessories & electronics",
            "Accessoires et électronique auto",
        ),
        _n(
            "motorbike-parts", "Motorbike parts", "Pièces moto",
            attrs=(a.VEHICLE_MAKE, a.VEHICLE_MODEL, a.PART_NUMBER),
        ),
        _n(
            "motorbike-gear", "Motorbike clothing & helmets", "Équipement du motard",
            attrs=(a.SIZE,),
        ),
        kinds=GOODS_KINDS,
        attrs=(a.BRAND,),
    ),
    _n(
        "baby-kids", "Baby & kids", "Bébé et enfants",
        _n("pushchairs", "Pushchairs & prams", "Poussettes"),
        _n("car-seats", "Car seats", "Sièges auto", attrs=(a.CAR_SEAT_GROUP, a.ISOFIX)),
        _n("nursery-furniture", "Nursery furniture", "Mobilier de chambre d'enfant"),
        _n("baby-care", "Feeding & baby care", "Repas et soins de bébé"),
        _n("baby-carriers", "Baby carriers", "Porte-bébés"),
        _n("toys", "Toys", "Jouets", attrs=(a.AGE_RANGE,)),
        kinds=GOODS_KINDS,
        attrs=(a.BRAND,),
    ),
    _n(
        "pet-supplies", "Pet supplies", "Animalerie",
        _n("dog-supplies", "Dog supplies", "Accessoires pour chiens"),
        _n("cat-supplies", "Cat supplies", "Accessoires pour chats"),
        _n(
            "small-pet-supplies", "Small pets, birds & fish",
            "Petits animaux, oiseaux et poissons",
        ),
        kinds=GOODS_KINDS,
        attrs=(a.BRAND,),
    ),
    _n(
        "rentals", "Rentals", "Locations",
        _n(
            "tool-rental", "Tools & DIY equipment", "Outillage et bricolage",
            attrs=(a.BRAND, a.POWER_SOURCE),
        ),
        _n(
            "garden-equipment-rental", "Garden equipment", "Matériel de jardin",
            attrs=(a.BRAND, a.POWER_SOURCE),
        ),
        _n(
            "event-rental", "Party & event gear", "Matériel de fête et de réception",
            attrs=(a.CAPACITY_PEOPLE,),
        ),
        _n(
            "sports-gear-rental", "Sports & outdoor gear", "Matériel de sport et de plein air",
            _n("ski-rental", "Skis & snowboards", "Skis et snowboards", attrs=(a.SKI_LENGTH,)),
            _n("camping-rental", "Camping gear", "Matériel de camping"),
            _n("bike-rental", "Bikes", "Vélos", attrs=(a.FRAME_SIZE, a.WHEEL_SIZE)),
            _n("water-sports-rental", "Kayaks & paddleboards", "Kayaks et paddles"),
        ),
        _n(
            "photo-video-rental", "Photo & video gear", "Matériel photo et vidéo",
            attrs=(a.BRAND, a.MODEL),
        ),
        _n(
            "clothing-rental", "Clothing & costumes", "Vêtements et déguisements",
            attrs=(a.SIZE,),
        ),
        _n("baby-gear-rental", "Baby gear", "Matériel de puériculture"),
        _n(
            "trailer-rental", "Trailers & roof boxes", "Remorques et coffres de toit",
            attrs=(a.MAX_LOAD,),
        ),
        kinds=RENTAL_KINDS,
    ),
    _n(
        "services", "Services", "Services",
        _n(
            "moving-help", "Moving help", "Aide au déménagement",
            attrs=(a.VEHICLE_PROVIDED,),
        ),
        _n(
            "handyman", "Handyman & small jobs", "Bricolage et petits travaux",
            attrs=(a.TOOLS_PROVIDED,),
        ),
        _n("gardening", "Gardening", "Jardinage", attrs=(a.TOOLS_PROVIDED,)),
        _n("cleaning", "Cleaning & ironing", "Ménage et repassage"),
        _n(
            "lessons", "Lessons & tutoring", "Cours particuliers",
            _n(
                "tutoring", "School tutoring", "Soutien scolaire",
                attrs=(a.SUBJECT.as_required(), a.SCHOOL_LEVEL),
            ),
            _n(
                "language-lessons", "Language lessons", "Cours de langues",
                attrs=(a.LANGUAGE.as_required(), a.SCHOOL_LEVEL),
            ),
            _n("music-lessons", "Music lessons", "Cours de musique", attrs=(a.INSTRUMENT,)),
            _n("sports-coaching", "Sports coaching", "Coaching sportif", attrs=(a.SPORT,)),
            attrs=(a.REMOTE,),
        ),
        _n("it-help", "IT & digital help", "Assistance informatique", attrs=(a.REMOTE,)),
        _n("babysitting", "Babysitting", "Baby-sitting", attrs=(a.FIRST_AID,)),
        _n(
            "pet-sitting", "Pet sitting & dog walking", "Garde d'animaux et promenade",
            attrs=(a.ANIMAL,),
        ),
        _n("repairs", "Repairs & alterations", "Réparations et retouches"),
        _n("event-services", "Event services", "Services pour événements"),
        kinds=SERVICE_KINDS,
        attrs=(a.EXPERIENCE_YEARS,),
    ),
    _n("other", "Other", "Divers", kinds=GOODS_KINDS, attrs=(a.BRAND,)),
)
# fmt: on


def _flatten(specs: tuple[_Spec, ...], parent: str | None) -> Iterator[CategoryNode]:
    for position, spec in enumerate(specs):
        yield CategoryNode(
            slug=spec.slug,
            parent=parent,
            position=position,
            name=L(spec.en, spec.fr),
            kinds=spec.kinds,
            attributes=spec.attrs,
        )
        yield from _flatten(spec.children, spec.slug)


def default_nodes() -> list[CategoryNode]:
    """The default taxonomy as rows to seed (parents before children)."""
    return list(_flatten(_TREE, None))


@cache
def default_taxonomy() -> Taxonomy:
    return Taxonomy(default_nodes(), retired=RETIRED_SLUGS)


# Module-level shortcuts on the default taxonomy.


def validate_attributes(
    category_slug: str,
    attributes: object,
    *,
    partial: bool = False,
    taxonomy: Taxonomy | None = None,
) -> dict[str, Any]:
    """Normalised attributes for a listing in `category_slug` (default taxonomy unless given).

    Raises UnknownCategory (fields ["category"]) or an InvalidAttributes error whose `fields`
    are "attributes.<key>" for every bad key.
    """
    if taxonomy is None:
        taxonomy = default_taxonomy()
    return taxonomy.validate_attributes(category_slug, attributes, partial=partial)


def iter_nodes() -> Iterator[CategoryNode]:
    return default_taxonomy().iter_nodes()


def find(slug: object) -> CategoryNode | None:
    return default_taxonomy().find(slug)


def get(slug: object, *, field: str = "category") -> CategoryNode:
    return default_taxonomy().get(slug, field=field)


def children(slug: str) -> list[CategoryNode]:
    return default_taxonomy().children(slug)


def descendants(slug: str) -> list[CategoryNode]:
    return default_taxonomy().descendants(slug)


def descendant_slugs(slug: str) -> list[str]:
    return default_taxonomy().descendant_slugs(slug)


def ancestors(slug: str) -> list[CategoryNode]:
    return default_taxonomy().ancestors(slug)


def path(slug: str) -> list[CategoryNode]:
    return default_taxonomy().path(slug)


def kinds_allowed(slug: str) -> frozenset[ListingKind]:
    return default_taxonomy().kinds_allowed(slug)


def schema_for(slug: str) -> Mapping[str, AttributeDef]:
    return default_taxonomy().schema_for(slug)


def name(slug: str, locale: str) -> str:
    return default_taxonomy().name(slug, locale)


def check_listing_category(slug: object, kind: str) -> CategoryNode:
    return default_taxonomy().check_listing_category(slug, kind)
