"""Photos: checked by decoding, cleaned of metadata, resized, stored (docs/photos.md).

The package exports the image pipeline (images.py) and the storage (storage.py), which know
nothing of HTTP, GraphQL or the database; the upload use cases (service.py), the table
(models.py), `POST /v1/photos` and /media (rest.py) and the Photo type (graphql.py) build on them.

    photo = await process_upload_async(data, limits=PhotoLimits.from_settings(settings))
    keys = await save_renditions(storage, photo_id, photo)
"""

from c2c_api.photos.errors import (
    InvalidStorageKey,
    PhotoDamaged,
    PhotoNotAnImage,
    PhotoRefused,
    PhotoTooLarge,
    PhotoTooManyPixels,
    PhotoUnsupportedFormat,
    StorageUnavailable,
    StoredObjectNotFound,
)
from c2c_api.photos.images import (
    ACCEPTED_FORMATS,
    RENDITION_SIZES,
    PhotoLimits,
    ProcessedPhoto,
    Rendition,
    process_upload,
    process_upload_async,
)
from c2c_api.photos.storage import (
    CACHE_CONTROL,
    LocalStorage,
    PhotoStorage,
    S3Storage,
    StoredObject,
    delete_renditions,
    rendition_key,
    rendition_keys,
    save_renditions,
    storage_from_settings,
)

__all__ = [
    "ACCEPTED_FORMATS",
    "CACHE_CONTROL",
    "RENDITION_SIZES",
    "InvalidStorageKey",
    "LocalStorage",
    "PhotoDamaged",
    "PhotoLimits",
    "PhotoNotAnImage",
    "PhotoRefused",
    "PhotoStorage",
    "PhotoTooLarge",
    "PhotoTooManyPixels",
    "PhotoUnsupportedFormat",
    "ProcessedPhoto",
    "Rendition",
    "S3Storage",
    "StorageUnavailable",
    "StoredObject",
    "StoredObjectNotFound",
    "delete_renditions",
    "process_upload",
    "process_upload_async",
    "rendition_key",
    "rendition_keys",
    "save_renditions",
    "storage_from_settings",
]
