"""Helpers for the engagement tests (photos API, favorites, questions): listings, images."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import httpx
from PIL import ExifTags, Image
from strawberry.relay import GlobalID

from c2c_api.app import create_app
from c2c_api.categories.models import Category
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.kit.clock import utcnow
from c2c_api.listings.models import Listing, ListingStatus, Visibility
from c2c_api.users.models import Member

CATEGORY = "engagement-test"


async def create_listing(
    db: Database,
    seller: Member,
    *,
    status: ListingStatus = ListingStatus.PUBLISHED,
    visibility: Visibility = Visibility.MARKETPLACE,
    partner_id: uuid.UUID | None = None,
    title: str = "Vintage bike",
) -> Listing:
    """A committed SALE listing row (the category is created on first use)."""
    async with db.transaction() as session:
        if await session.get(Category, CATEGORY) is None:
            session.add(Category(slug=CATEGORY, name={"en": "Test", "fr": "Test"}))
            await session.flush()
        now = utcnow()
        listing = Listing(
            kind=ListingKind.SALE,
            status=status,
            seller_id=seller.id,
            partner_id=partner_id,
            visibility=visibility,
            title=title,
            category_slug=CATEGORY,
            price=1000,
            sort_price=1000,
            created_at=now,
            updated_at=now,
            published_at=now if status == ListingStatus.PUBLISHED else None,
        )
        session.add(listing)
    return listing


def listing_gid(listing: Listing) -> str:
    return str(GlobalID("SaleListing", str(listing.id)))


def gps_jpeg(size: tuple[int, int] = (640, 480)) -> bytes:
    """A JPEG carrying EXIF with a GPS position and a camera make."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretPhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 21.0, 7.0),
    }
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def bomb_png() -> bytes:
    """A small PNG declaring 20,000 x 20,000 pixels."""
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG", optimize=True)
    return out.getvalue()


def media_settings(settings: Settings, root: Path, **overrides: object) -> Settings:
    return settings.model_copy(update={"storage_local_path": root, **overrides})


def app_client(settings: Settings, db: Database) -> httpx.AsyncClient:
    app = create_app(settings, db=db)
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")


async def publish_through_service(db: Database, seller: Member, *, title: str = "Bag") -> Listing:
    """A SALE listing created and published by the listings service (default taxonomy)."""
    from c2c_api.authz import Actor, ActorKind
    from c2c_api.categories.service import ensure_default_categories, invalidate_cache
    from c2c_api.listings.models import Condition
    from c2c_api.listings.service import create_listing as create
    from c2c_api.listings.service import publish_listing

    invalidate_cache()
    await ensure_default_categories(db)
    actor = Actor(kind=ActorKind.MEMBER, member_id=seller.id, scopes=frozenset({"listings:write"}))
    async with db.transaction() as session:
        listing = await create(
            session,
            actor,
            kind=ListingKind.SALE,
            values={
                "title": title,
                "description": "In good shape.",
                "category_slug": "handbags",
                "condition": Condition.GOOD,
                "currency": "EUR",
                "price": 2500,
                "city": "Paris",
                "country": "FR",
                "latitude": 48.85,
                "longitude": 2.35,
                "meetup_enabled": True,
                "meetup_area": "Paris 4e",
            },
        )
        return await publish_listing(
            session, actor, listing_id=listing.id, expected_version=listing.version
        )


def gid(listing: Listing) -> str:
    """The listing's global id as the Listing interface exposes it."""
    from c2c_api.listings.graphql import listing_to_graphql

    node = listing_to_graphql(listing)
    return str(GlobalID(type(node).__strawberry_definition__.name, str(listing.id)))  # type: ignore[attr-defined]
