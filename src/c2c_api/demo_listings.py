"""Demo listings: one or more of every kind, so a front end has something to show at once."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import Actor, ActorKind
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.kit.clock import utcnow
from c2c_api.listings.models import Condition, PriceUnit

K = ListingKind

LYON = {"city": "Lyon", "country": "FR", "latitude": 45.7640, "longitude": 4.8357}
PARIS = {"city": "Paris", "country": "FR", "latitude": 48.8566, "longitude": 2.3522}
LONDON = {
    "city": "London",
    "country": "GB",
    "latitude": 51.5072,
    "longitude": -0.1276,
    "currency": "GBP",
}
SHIP = {"shipping_enabled": True, "shipping_fee": 690, "shipping_carriers": ["colissimo"]}
MEET = {"meetup_enabled": True, "meetup_area": "centre-ville"}

# (seller e-mail, kind, values); amounts in minor units; ends_at offsets in days.
DEMO_LISTINGS: list[tuple[str, ListingKind, dict[str, Any]]] = [
    (
        "alice@example.com",
        K.SALE,
        {
            "title": "Vélo de ville Peugeot vintage",
            "description": "Vélo de ville des années 80, révisé, freins neufs. Idéal pour Lyon.",
            "category_slug": "city-bikes",
            "condition": Condition.GOOD,
            "price": 18000,
            "accepts_offers": True,
            **LYON,
            **MEET,
        },
    ),
    (
        "alice@example.com",
        K.SALE,
        {
            "title": "Robe en lin bleu marine",
            "description": "Portée deux fois, taille M, lavée à froid.",
            "category_slug": "women-dresses-skirts",
            "condition": Condition.LIKE_NEW,
            "attributes": {"size": "M"},
            "price": 2500,
            **LYON,
            **SHIP,
        },
    ),
    (
        "bob@example.com",
        K.AUCTION,
        {
            "title": "Nintendo Switch OLED with two controllers",
            "description": "Barely used console, boxed, with two Joy-Con pairs and a case.",
            "category_slug": "consoles",
            "condition": Condition.LIKE_NEW,
            "attributes": {"platform": "nintendo-switch"},
            "start_price": 12000,
            "bid_increment": 500,
            "ends_at": 5,
            **LONDON,
            **SHIP,
            "shipping_carriers": ["royal-mail"],
        },
    ),
    (
        "bob@example.com",
        K.RENTAL,
        {
            "title": "Bosch hammer drill for rent",
            "description": "Powerful SDS drill with a set of bits. Deposit returned on return.",
            "category_slug": "tool-rental",
            "price_per_day": 1200,
            "deposit": 10000,
            "min_days": 1,
            "max_days": 14,
            **LONDON,
            **MEET,
        },
    ),
    (
        "carol@example.com",
        K.SERVICE,
        {
            "title": "Cours d'anglais pour lycéens",
            "description": "Professeure certifiée, préparation au bac, en ligne ou à domicile.",
            "category_slug": "language-lessons",
            "attributes": {"language": "en"},
            "price": 3000,
            "price_unit": PriceUnit.HOUR,
            "duration_minutes": 60,
            **PARIS,
        },
    ),
    (
        "carol@example.com",
        K.SWAP,
        {
            "title": "Échange platine vinyle contre enceintes",
            "description": "Platine Technics en bon état, j'échange contre une paire d'enceintes.",
            "category_slug": "speakers-hifi",
            "condition": Condition.GOOD,
            "swap_seeks": "Une paire d'enceintes bibliothèque",
            **PARIS,
            **MEET,
        },
    ),
    (
        "carol@example.com",
        K.DONATION,
        {
            "title": "Donne cartons de déménagement",
            "description": "Une vingtaine de cartons solides, à récupérer sur place.",
            "category_slug": "other",
            "condition": Condition.GOOD,
            **PARIS,
            **MEET,
        },
    ),
    (
        "alice@example.com",
        K.GROUP_BUY,
        {
            "title": "Achat groupé de composteurs de jardin",
            "description": "Commande groupée de composteurs 400 L : dès 10 foyers, prix réduit.",
            "category_slug": "garden-furniture",
            "price": 4500,
            "target_quantity": 10,
            "ends_at": 14,
            **LYON,
            **MEET,
        },
    ),
    (
        "bob@example.com",
        K.WANTED,
        {
            "title": "Wanted: Canon EF 50mm f/1.8 lens",
            "description": "Looking for a working nifty fifty, any version.",
            "category_slug": "lenses-accessories",
            "price": 8000,
            **LONDON,
        },
    ),
]


async def seed_demo_listings(session: AsyncSession, member_ids: dict[str, uuid.UUID]) -> int:
    """Create and publish the demo listings through the real service (validation included)."""
    from c2c_api.listings import service

    now = utcnow()
    created = 0
    for email, kind, raw in DEMO_LISTINGS:
        values = dict(raw)
        if "ends_at" in values:
            values["ends_at"] = now + timedelta(days=int(values["ends_at"]))
        actor = Actor(
            kind=ActorKind.MEMBER, member_id=member_ids[email], scopes=frozenset({"listings:write"})
        )
        listing = await service.create_listing(session, actor, kind=kind, values=values)
        await service.publish_listing(
            session, actor, listing_id=listing.id, expected_version=listing.version
        )
        created += 1
    return created
