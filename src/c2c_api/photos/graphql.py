"""GraphQL types and entry points of photos.

`listing_photos(info, listing_id)` is what the Listing interface's `photos` field calls: one
statement for every listing of a page (a request-scoped DataLoader).
`uploadPhoto(file: Upload!)` follows the GraphQL multipart request spec (graphql/http.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload
from strawberry.types import Info

from c2c_api.authz import PhotoPolicy
from c2c_api.graphql.errors import UserError, mutation_payload
from c2c_api.graphql.loaders import loader, parse_node_ids, settle
from c2c_api.graphql.permissions import requires
from c2c_api.listings.service import get_visible_listings
from c2c_api.photos import service
from c2c_api.photos.images import RENDITION_SIZES, PhotoLimits
from c2c_api.photos.models import Photo
from c2c_api.photos.rest import read_upload
from c2c_api.photos.storage import PhotoStorage, storage_from_settings

if TYPE_CHECKING:
    from c2c_api.config import Settings
    from c2c_api.graphql.context import Context

_storages: dict[int, tuple[Settings, PhotoStorage]] = {}


def photo_storage(ctx: Context) -> PhotoStorage:
    """The app's storage (app.state.photo_storage), or one built once for these settings."""
    request = ctx.request
    if request is not None:
        storage = getattr(request.app.state, "photo_storage", None)
        if storage is not None:
            return storage
    cached = _storages.get(id(ctx.settings))
    if cached is None or cached[0] is not ctx.settings:
        cached = (ctx.settings, storage_from_settings(ctx.settings))
        _storages[id(ctx.settings)] = cached
    return cached[1]


@strawberry.type(
    name="Photo",
    description=(
        "A listing photo. URLs point at immutable WebP renditions (cache them forever); each "
        "fits a square of its size on its long side and is never upscaled: thumb 200 px, "
        "small 480, medium 960, large 1600."
    ),
)
class PhotoType(relay.Node):
    id: relay.NodeID[uuid.UUID]
    width: int = strawberry.field(description="Width of the original, upright, in pixels.")
    height: int = strawberry.field(description="Height of the original, upright, in pixels.")
    position: int = strawberry.field(description="0-based place among the listing's photos.")
    thumb_url: str = strawberry.field(description="200 px rendition.")
    small_url: str = strawberry.field(description="480 px rendition.")
    medium_url: str = strawberry.field(description="960 px rendition.")
    large_url: str = strawberry.field(description="1600 px rendition.")

    @classmethod
    def from_model(cls, photo: Photo, storage: PhotoStorage) -> PhotoType:
        urls = {name: storage.url(photo.renditions[name]) for name, _ in RENDITION_SIZES}
        return cls(
            id=photo.id,
            width=photo.width,
            height=photo.height,
            position=photo.position,
            thumb_url=urls["thumb"],
            small_url=urls["small"],
            medium_url=urls["medium"],
            large_url=urls["large"],
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> Iterable[PhotoType | None]:
        """Photos by global id: their owner and operators see every photo; others see a
        photo only while they may see its listing (listings.service.get_visible_listings,
        batched through the request's "visible_listings" loader: one statement)."""
        ctx: Context = info.context
        ids = parse_node_ids(node_ids)
        # Through loaders: aliased node fields resolve concurrently on one session.
        wanted = [i for i in ids if i is not None]
        loaded = await loader(ctx, "photos", _photos_batch).load_many(wanted)
        found = {p.id: p for p in loaded if p is not None}
        storage = photo_storage(ctx)

        def own(photo: Photo) -> bool:
            return PhotoPolicy.sees_unconditionally(ctx.actor, owner_id=photo.owner_id)

        listing_ids = {
            p.listing_id for p in found.values() if p.listing_id is not None and not own(p)
        }
        visible_listings: set[uuid.UUID] = set()
        if listing_ids:
            rows = await loader(ctx, "visible_listings", _visible_listings_batch).load_many(
                sorted(listing_ids)
            )
            visible_listings = {row.id for row in rows if row is not None}
        out: list[PhotoType | None] = []
        for i in ids:
            photo = found.get(i) if i is not None else None
            visible = photo is not None and PhotoPolicy.can_see(
                ctx.actor,
                owner_id=photo.owner_id,
                listing_visible=photo.listing_id in visible_listings,
            )
            out.append(cls.from_model(photo, storage) if visible and photo else None)
        return out


async def _photos_batch(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Photo]:
    return await service.get_photos(ctx.session, ids)


async def _visible_listings_batch(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
    return await get_visible_listings(ctx.session, ctx.actor, ids)


async def _listing_photos_batch(
    ctx: Context, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Photo]]:
    return await service.photos_of_listings(ctx.session, ids)


def listing_photos_loader(ctx: Context) -> Any:
    """The request's loader of listings' photos, in order (one statement per page)."""
    return loader(ctx, "listing_photos", _listing_photos_batch)


def listing_photos(info: Info, listing_id: uuid.UUID) -> Any:
    """The photos of a listing, in order: a list, or an awaitable of one when not loaded yet
    (batched: one statement per page of listings)."""
    ctx: Context = info.context
    storage = photo_storage(ctx)

    def convert(rows: list[Photo] | None) -> list[PhotoType]:
        return [PhotoType.from_model(p, storage) for p in rows or []]

    return settle(listing_photos_loader(ctx).load(listing_id), convert)


@strawberry.type(description="The photo was checked, cleaned, resized and stored.")
class UploadPhotoSuccess:
    photo: PhotoType


UploadPhotoPayload = Annotated[
    UploadPhotoSuccess | UserError, strawberry.union("UploadPhotoPayload")
]


@strawberry.type
class PhotoQuery:
    pass


@strawberry.type
class PhotoMutation:
    @strawberry.mutation(
        description=(
            "Upload a listing photo (GraphQL multipart request spec: a multipart/form-data POST "
            "with `operations`, `map` and the file). JPEG, PNG or WebP, checked by decoding, "
            "metadata stripped. Attach it with the listing's `photoIds`; photos not attached "
            "within 24 hours are deleted. Multipart requests need a bearer token (CSRF)."
        ),
        extensions=[requires("listings:write")],
    )
    @mutation_payload
    async def upload_photo(self, info: Info, file: Upload) -> UploadPhotoPayload | None:
        ctx: Context = info.context
        data = await read_upload(file, ctx.settings.photo_max_bytes)
        storage = photo_storage(ctx)
        photo = await service.upload_photo(
            ctx.session,
            ctx.actor,
            data=data,
            storage=storage,
            limits=PhotoLimits.from_settings(ctx.settings),
        )
        return UploadPhotoSuccess(photo=PhotoType.from_model(photo, storage))
