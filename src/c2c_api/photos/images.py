"""Check an uploaded photo by decoding it, then make clean, resized WebP renditions.

The pipeline, in order, each step refusing with a typed error (photos/errors.py):
1. byte size (before any parsing);
2. format, from the bytes only: JPEG, PNG and WebP are decoded; GIF, TIFF, BMP, SVG, HEIC/HEIF,
   AVIF and anything else Pillow can name are refused as unsupported; the rest is not an image;
3. pixel count, from the header, before the pixels are decoded (a decompression bomb stops here);
4. decoding (a truncated or corrupt file is "damaged"), JPEG decoded directly at a reduced scale
   when only smaller renditions are needed;
5. EXIF orientation applied, colours converted to sRGB from an embedded ICC profile, then every
   piece of metadata dropped: renditions are encoded from pixels alone (no EXIF, GPS, XMP, IPTC,
   ICC or comments);
6. renditions on the long side (thumb 200, small 480, medium 960, large 1600), never upscaled.

`process_upload` is synchronous and CPU-bound; async callers use `process_upload_async`, which
runs it in a worker thread with bounded concurrency (each decode may hold ~4 bytes per pixel).
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread
from PIL import ExifTags, Image, ImageCms, ImageOps, UnidentifiedImageError

from c2c_api.photos.errors import (
    PhotoDamaged,
    PhotoNotAnImage,
    PhotoTooLarge,
    PhotoTooManyPixels,
    PhotoUnsupportedFormat,
)

if TYPE_CHECKING:
    from c2c_api.config import Settings

log = logging.getLogger(__name__)

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
"""Formats accepted, as Pillow names them (identified by decoding, never by name or type)."""

MAX_PIXELS_CEILING = 100_000_000
"""Highest pixel limit that may be configured; also Pillow's process-wide bomb guard."""

# Pillow warns above MAX_IMAGE_PIXELS and raises above twice that, while reading the header.
# Our own, configurable limit (at most this ceiling) is checked right after, before decoding.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS_CEILING

RENDITION_SIZES: tuple[tuple[str, int], ...] = (
    ("thumb", 200),
    ("small", 480),
    ("medium", 960),
    ("large", 1600),
)
"""Rendition names and the length of their long side in pixels (never upscaled)."""

RENDITION_CONTENT_TYPE = "image/webp"
RENDITION_EXTENSION = "webp"

_BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)
_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
    | {b"avif", b"avis"}
)
_ACCEPTED_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
_MAX_CONCURRENT_DECODES = max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True, slots=True)
class PhotoLimits:
    """What an upload may weigh; `from_settings` reads the C2C_PHOTO_* settings."""

    max_bytes: int = 15 * 1024 * 1024
    max_pixels: int = 40_000_000
    quality: int = 82

    def __post_init__(self) -> None:
        if not 1 <= self.max_pixels <= MAX_PIXELS_CEILING:
            raise ValueError(f"max_pixels must be between 1 and {MAX_PIXELS_CEILING}")
        if self.max_bytes < 1 or not 1 <= self.quality <= 100:
            raise ValueError("max_bytes must be positive and quality within 1-100")

    @classmethod
    def from_settings(cls, settings: Settings) -> PhotoLimits:
        return cls(
            max_bytes=settings.photo_max_bytes,
            max_pixels=settings.photo_max_pixels,
            quality=settings.photo_quality,
        )


@dataclass(frozen=True, slots=True)
class Rendition:
    """One resized, metadata-free encoding of a photo."""

    name: str
    width: int
    height: int
    content_type: str
    data: bytes = field(repr=False)

    @property
    def extension(self) -> str:
        return RENDITION_EXTENSION


@dataclass(frozen=True, slots=True)
class ProcessedPhoto:
    """An accepted upload: its facts and its renditions (the original is not kept)."""

    width: int
    """Width of the original, as displayed (after EXIF orientation)."""
    height: int
    source_format: str
    """JPEG, PNG or WEBP: what decoding found, whatever the file was called."""
    sha256: str
    """Hex SHA-256 of the uploaded bytes (to spot duplicates; not a storage key)."""
    byte_size: int
    has_alpha: bool
    renditions: Mapping[str, Rendition]
    """By name, smallest first: thumb, small, medium, large."""


def process_upload(data: bytes, *, limits: PhotoLimits | None = None) -> ProcessedPhoto:
    """Check, decode, clean and resize an uploaded photo; raise a PhotoRefused subclass if not."""
    limits = limits or PhotoLimits()
    if not data:
        raise PhotoNotAnImage(context={"reason": "empty"})
    if len(data) > limits.max_bytes:
        raise PhotoTooLarge(context={"bytes": len(data), "limit": limits.max_bytes})

    image = _open(data)
    try:
        width, height = image.size
        if width < 1 or height < 1:
            raise PhotoNotAnImage(context={"reason": "no pixels"})
        if width * height > limits.max_pixels:
            raise PhotoTooManyPixels(
                context={"width": width, "height": height, "limit": limits.max_pixels}
            )
        source_format = str(image.format)
        _decode_at_useful_scale(image)
        oriented, quarter_turn = _apply_orientation(image)
        pixels = _to_srgb(oriented)
    finally:
        image.close()

    if quarter_turn:
        width, height = height, width
    renditions = _renditions(pixels, original_long_side=max(width, height), limits=limits)
    return ProcessedPhoto(
        width=width,
        height=height,
        source_format=source_format,
        sha256=hashlib.sha256(data).hexdigest(),
        byte_size=len(data),
        has_alpha=pixels.mode == "RGBA",
        renditions=renditions,
    )


async def process_upload_async(data: bytes, *, limits: PhotoLimits | None = None) -> ProcessedPhoto:
    """`process_upload` in a worker thread, a few at a time, so the event loop stays free."""
    return await anyio.to_thread.run_sync(
        partial(process_upload, data, limits=limits), limiter=_decode_limiter()
    )


_limiter: anyio.CapacityLimiter | None = None


def _decode_limiter() -> anyio.CapacityLimiter:
    global _limiter
    if _limiter is None:
        _limiter = anyio.CapacityLimiter(_MAX_CONCURRENT_DECODES)
    return _limiter


def _open(data: bytes) -> Image.Image:
    """Open (header only) as an accepted format, or raise the most helpful refusal."""
    try:
        return Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except _BOMB_ERRORS as exc:
        raise PhotoTooManyPixels(context={"reason": "decompression bomb"}) from exc
    except UnidentifiedImageError:
        pass
    except Exception as exc:
        # A plugin recognised the signature, then the header broke off or made no sense.
        raise PhotoDamaged(context={"reason": str(exc)[:200]}) from exc

    if data.startswith(_ACCEPTED_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        # The signature of an accepted format, but too little or too broken behind it.
        raise PhotoDamaged(context={"reason": "unreadable header"})
    other = _sniff_unsupported(data) or _identify_any(data)
    if other is not None:
        raise PhotoUnsupportedFormat(context={"format": other})
    raise PhotoNotAnImage(context={"reason": "unrecognised content"})


def _sniff_unsupported(data: bytes) -> str | None:
    """Formats Pillow cannot name but users do send: SVG, and HEIF-family photos."""
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "AVIF" if data[8:12] in (b"avif", b"avis") else "HEIF"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) and b"<svg" in head:
        return "SVG"
    return None


def _identify_any(data: bytes) -> str | None:
    """The format name if any Pillow plugin recognises the header (to refuse it by name)."""
    try:
        with Image.open(io.BytesIO(data)) as other:
            return str(other.format)
    except _BOMB_ERRORS:
        return "unknown (too many pixels)"
    except Exception:
        return None


def _decode_at_useful_scale(image: Image.Image) -> None:
    """Decode the pixels; JPEG at the smallest DCT scale still covering the largest rendition."""
    largest = max(size for _, size in RENDITION_SIZES)
    scale = largest / max(image.size)
    try:
        if image.format == "JPEG" and scale < 1:
            image.draft(None, (math.ceil(image.width * scale), math.ceil(image.height * scale)))
        image.load()
    except _BOMB_ERRORS as exc:
        raise PhotoTooManyPixels(context={"reason": "decompression bomb"}) from exc
    except Exception as exc:
        # Decoders report damage as OSError, ValueError, SyntaxError, EOFError, zlib errors…
        log.debug("photo decoding failed: %s", exc)
        raise PhotoDamaged(context={"reason": str(exc)[:200]}) from exc


def _apply_orientation(image: Image.Image) -> tuple[Image.Image, bool]:
    """The image as displayed, and whether it turned a quarter; malformed EXIF is ignored."""
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
        oriented = ImageOps.exif_transpose(image)
    except Exception as exc:
        log.debug("ignoring unreadable EXIF orientation: %s", exc)
        return image.copy(), False
    return oriented, orientation in (5, 6, 7, 8)


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB or RGBA pixels in sRGB, with no metadata attached."""
    icc = image.info.get("icc_profile")
    if image.mode in ("P", "PA"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    elif image.mode.startswith("I;16") or image.mode == "I":
        # 16-bit greyscale: scale to 8 bits instead of clipping.
        image = image.convert("I").point(lambda v: v * (1 / 256), "L")
    elif image.mode == "1":
        image = image.convert("L")

    converted: Image.Image | None = None
    if icc and image.mode in ("RGB", "RGBA", "L", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
            # A profile per call: cheap, and nothing native is shared between worker threads.
            srgb = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(image, source, srgb, outputMode=out_mode)
        except Exception as exc:
            # A profile that does not match the pixels or does not parse: use the pixels as is.
            log.debug("ignoring unusable ICC profile: %s", exc)
    if converted is None:
        has_alpha = image.mode in ("RGBA", "LA", "La", "RGBa") or image.has_transparency_data
        converted = image.convert("RGBA" if has_alpha else "RGB")
    if converted.mode == "RGBA" and converted.getchannel("A").getextrema() == (255, 255):
        converted = converted.convert("RGB")
    converted.info = {}
    return converted


def _renditions(
    pixels: Image.Image, *, original_long_side: int, limits: PhotoLimits
) -> dict[str, Rendition]:
    """Resize from the largest rendition down (each from the previous one), encode as WebP."""
    made: dict[str, Rendition] = {}
    source = pixels
    for name, long_side in sorted(RENDITION_SIZES, key=lambda item: -item[1]):
        target = min(long_side, original_long_side)
        scale = target / max(source.size)
        if scale < 1:
            size = (max(1, round(source.width * scale)), max(1, round(source.height * scale)))
            source = source.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        source.info = {}
        buffer = io.BytesIO()
        source.save(buffer, "WEBP", quality=limits.quality, method=4)
        made[name] = Rendition(
            name=name,
            width=source.width,
            height=source.height,
            content_type=RENDITION_CONTENT_TYPE,
            data=buffer.getvalue(),
        )
    return {name: made[name] for name, _ in RENDITION_SIZES}
