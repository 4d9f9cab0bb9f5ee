"""Why a photo or a stored object was refused.

    DomainError
     ├── InvalidInput
     │    └── PhotoRefused                 any refusal of an uploaded photo
     │         ├── PhotoNotAnImage         PHOTO_NOT_AN_IMAGE: empty, text, unknown bytes
     │         ├── PhotoDamaged            PHOTO_DAMAGED: a known format that fails to decode
     │         ├── PhotoUnsupportedFormat  PHOTO_UNSUPPORTED_FORMAT: GIF, TIFF, SVG, HEIC, …
     │         ├── PhotoTooLarge           PHOTO_TOO_LARGE: more bytes than allowed
     │         └── PhotoTooManyPixels      PHOTO_TOO_MANY_PIXELS: too many pixels (or a bomb)
     └── NotFound
          ├── InvalidStorageKey            a key that cannot name a stored object
          └── StoredObjectNotFound         no object under this key

`StorageUnavailable` is not a domain error: the backend failed (disk, network, credentials),
which is an operational fault for the transport to report as 503, not the caller's mistake.
Upload use cases turn it into `PhotoStorageUnavailable` (STORAGE_UNAVAILABLE, 503 over REST).
Messages are the class docstrings (translated by c2c_api.i18n); numbers go in `context`.
"""

from __future__ import annotations

from c2c_api.errors import DomainError, ErrorCode, InvalidInput, NotFound


class PhotoRefused(InvalidInput):
    """This photo cannot be accepted."""


class PhotoNotAnImage(PhotoRefused):
    """This file is not an image."""

    code = ErrorCode.PHOTO_NOT_AN_IMAGE


class PhotoDamaged(PhotoRefused):
    """This image is damaged or incomplete."""

    code = ErrorCode.PHOTO_DAMAGED


class PhotoUnsupportedFormat(PhotoRefused):
    """This image format is not accepted: use JPEG, PNG or WebP."""

    code = ErrorCode.PHOTO_UNSUPPORTED_FORMAT


class PhotoTooLarge(PhotoRefused):
    """This file is too large."""

    code = ErrorCode.PHOTO_TOO_LARGE


class PhotoTooManyPixels(PhotoRefused):
    """This image has too many pixels."""

    code = ErrorCode.PHOTO_TOO_MANY_PIXELS


class InvalidStorageKey(NotFound):
    """Not found."""


class StoredObjectNotFound(NotFound):
    """Not found."""


class PhotoStorageUnavailable(DomainError):
    """Photos cannot be stored right now; try again in a moment."""

    code = ErrorCode.STORAGE_UNAVAILABLE


class StorageUnavailable(Exception):
    """The storage backend failed; the operation may be retried later."""
