"""REST routes of photos: `POST /v1/photos` (multipart upload) and `GET /media/{key}`.

Errors are RFC 9457 problems through the app's DomainError handler (rest/problems.py):
401/403 for the token, 413 PHOTO_TOO_LARGE, 415 PHOTO_UNSUPPORTED_FORMAT, 422 for other
refusals, 503 STORAGE_UNAVAILABLE.
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from strawberry.relay import GlobalID

from c2c_api.auth.bearer import InvalidToken, authenticate
from c2c_api.authz import check_scopes, endpoint_scopes, require_scopes
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.errors import InvalidInput, Unauthenticated
from c2c_api.i18n import negotiate_locale, translate
from c2c_api.photos import service
from c2c_api.photos.errors import PhotoNotAnImage, PhotoTooLarge, StorageUnavailable
from c2c_api.photos.images import RENDITION_SIZES, PhotoLimits
from c2c_api.photos.models import Photo
from c2c_api.photos.storage import CACHE_CONTROL, MEDIA_PATH, PhotoStorage
from c2c_api.rest.problems import problem

UPLOAD_PATH = "/v1/photos"
MULTIPART_OVERHEAD = 64 * 1024
"""Bytes allowed on top of the photo limit for multipart boundaries, headers and fields."""


def upload_body_limit(settings: Settings) -> int:
    """The largest request body an upload route accepts."""
    return settings.photo_max_bytes + MULTIPART_OVERHEAD


def photo_json(photo: Photo, storage: PhotoStorage) -> dict[str, Any]:
    """The REST representation of a photo (its id is the GraphQL global id)."""
    return {
        "id": str(GlobalID("Photo", str(photo.id))),
        "width": photo.width,
        "height": photo.height,
        "byteSize": photo.byte_size,
        "urls": {name: storage.url(photo.renditions[name]) for name, _ in RENDITION_SIZES},
        "createdAt": photo.created_at.isoformat(),
    }


def _storage(request: Request) -> PhotoStorage:
    storage: PhotoStorage = request.app.state.photo_storage
    return storage


@require_scopes("listings:write")
async def upload_photo(request: Request) -> Response:
    """Upload one photo as multipart/form-data (field `file`); 201 with its renditions."""
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    try:
        actor = await authenticate(request, db)
    except InvalidToken:
        raise Unauthenticated("The access token is invalid, expired or revoked.") from None
    check_scopes(actor, endpoint_scopes(upload_photo))
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "multipart/form-data":
        return problem(
            415,
            detail=translate(
                "Send the photo as multipart/form-data in a field named `file`.",
                negotiate_locale(request.headers.get("accept-language")),
            ),
            code="UNSUPPORTED_MEDIA_TYPE",
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > upload_body_limit(settings):
        raise PhotoTooLarge(fields=["file"], context={"maxBytes": settings.photo_max_bytes})
    async with request.form(max_files=1, max_fields=4) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("Send the photo in a multipart field named `file`.", fields=["file"])
        data = await read_upload(upload, settings.photo_max_bytes)
    storage = _storage(request)
    async with db.transaction() as session:
        photo = await service.upload_photo(
            session,
            actor,
            data=data,
            storage=storage,
            limits=PhotoLimits.from_settings(settings),
        )
    body = photo_json(photo, storage)
    return JSONResponse(
        body,
        status_code=201,
        headers={"location": body["urls"]["large"], "cache-control": "no-store"},
    )


async def read_upload(upload: Any, max_bytes: int) -> bytes:
    """An uploaded file's bytes; PhotoTooLarge before reading when it is over the limit."""
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > max_bytes:
        raise PhotoTooLarge(fields=["file"], context={"maxBytes": max_bytes})
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    elif callable(getattr(upload, "read", None)):
        data = bytes(await upload.read(max_bytes + 1))
    else:
        raise PhotoNotAnImage(fields=["file"])
    if len(data) > max_bytes:
        raise PhotoTooLarge(fields=["file"], context={"maxBytes": max_bytes})
    return data


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


async def serve_media(request: Request) -> Response:
    """A stored rendition, cacheable forever (keys are never reused)."""
    key = request.path_params["key"]
    try:
        stored = await _storage(request).get(key)
    except StorageUnavailable:
        return problem(
            503,
            detail=translate(
                "The photo storage is unavailable; try again later.",
                negotiate_locale(request.headers.get("accept-language")),
            ),
            code="STORAGE_UNAVAILABLE",
            headers={"retry-after": "30", "cache-control": "no-store"},
        )
    etag = _etag(stored.data)
    headers = {
        "cache-control": CACHE_CONTROL,
        "etag": etag,
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        "cross-origin-resource-policy": "cross-origin",
    }
    if etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    body = b"" if request.method == "HEAD" else stored.data
    response = Response(body, media_type=stored.content_type, headers=headers)
    if request.method == "HEAD":
        response.headers["content-length"] = str(len(stored.data))
    return response


def _etags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}


def photo_routes() -> list[BaseRoute]:
    """Routes to mount on the app (the storage is `app.state.photo_storage`)."""
    return [
        Route(UPLOAD_PATH, upload_photo, methods=["POST"]),
        Route(MEDIA_PATH + "/{key:path}", serve_media, methods=["GET", "HEAD"]),
    ]


__all__ = ["UPLOAD_PATH", "photo_routes", "read_upload", "upload_body_limit"]
