"""Photos are checked by decoding, cleaned of every metadata, resized, or refused with a code."""

from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from PIL import ExifTags, Image, ImageCms

from c2c_api.errors import DomainError, ErrorCode, InvalidInput
from c2c_api.i18n import translate
from c2c_api.photos import (
    PhotoLimits,
    ProcessedPhoto,
    process_upload,
    process_upload_async,
)

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (2.0, 21.0, 7.0),
}
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b"<rdf:Description>secret-xmp-owner</rdf:Description></rdf:RDF></x:xmpmeta>"
)
SRGB_ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def halves(size: tuple[int, int], left: str, right: str) -> Image.Image:
    """An image whose left half is one colour and right half another."""
    image = Image.new("RGB", size, right)
    image.paste(left, (0, 0, size[0] // 2, size[1]))
    return image


def camera_jpeg(size: tuple[int, int] = (300, 200), orientation: int = 6) -> bytes:
    """A JPEG as a phone writes it: orientation, GPS position, camera make, XMP and ICC."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Secret Model 9"
    exif[ExifTags.IFD.GPSInfo] = GPS
    return encode(
        halves(size, "red", "blue"), "JPEG", quality=95, exif=exif, xmp=XMP, icc_profile=SRGB_ICC
    )


def noise(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Incompressible pixels, so that encoded files are large and truncation hits pixel data."""
    channels = len(mode)
    return Image.frombytes(
        mode, size, bytes((i * 7919) % 251 for i in range(size[0] * size[1] * channels))
    )


def webp_chunks(data: bytes) -> list[bytes]:
    """The RIFF chunk names of a WebP file (EXIF, XMP and ICC each have their own chunk)."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    chunks, position = [], 12
    while position + 8 <= len(data):
        name = data[position : position + 4]
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        chunks.append(name)
        if name == b"VP8X":
            flags = data[position + 8]
            assert flags & 0x2C == 0, "VP8X announces ICC, EXIF or XMP"
        position += 8 + size + (size & 1)
    return chunks


def assert_clean(photo: ProcessedPhoto) -> None:
    """No rendition carries EXIF, GPS, XMP, ICC or text from the original."""
    for rendition in photo.renditions.values():
        data = rendition.data
        assert rendition.content_type == "image/webp"
        assert set(webp_chunks(data)) <= {b"VP8 ", b"VP8L", b"VP8X", b"ALPH"}
        for marker in (b"Exif", b"GPS", b"xmpmeta", b"secret-xmp-owner", b"PhoneMaker", b"Secret"):
            assert marker not in data
        with Image.open(io.BytesIO(data)) as decoded:
            assert decoded.format == "WEBP"
            assert len(decoded.getexif()) == 0
            assert not {"exif", "xmp", "icc_profile"} & set(decoded.info)


def refusal(data: bytes, limits: PhotoLimits | None = None) -> DomainError:
    with pytest.raises(DomainError) as caught:
        process_upload(data, limits=limits)
    assert isinstance(caught.value, InvalidInput)
    return caught.value


def near(colour: tuple[int, ...], expected: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour[:3], expected, strict=True))


class TestProcessUpload:
    def test_strips_exif_gps_xmp_and_icc_from_every_rendition(self) -> None:
        data = camera_jpeg()
        with Image.open(io.BytesIO(data)) as original:  # the input really carries them
            assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
            assert {"exif", "xmp", "icc_profile"} <= set(original.info)

        photo = process_upload(data)

        assert list(photo.renditions) == ["thumb", "small", "medium", "large"]
        assert_clean(photo)

    def test_applies_exif_orientation(self) -> None:
        # Stored landscape, red on the left; orientation 6 means "turn 90° clockwise to view".
        photo = process_upload(camera_jpeg(size=(300, 200), orientation=6))

        assert (photo.width, photo.height) == (200, 300)
        large = photo.renditions["large"]
        assert (large.width, large.height) == (200, 300)
        with Image.open(io.BytesIO(large.data)) as shown:
            rgb = shown.convert("RGB")
            assert near(rgb.getpixel((100, 40)), (255, 0, 0))  # top is red
            assert near(rgb.getpixel((100, 260)), (0, 0, 255))  # bottom is blue

    def test_orientation_is_applied_when_decoding_at_reduced_scale(self) -> None:
        photo = process_upload(camera_jpeg(size=(3400, 1700), orientation=8))

        assert (photo.width, photo.height) == (1700, 3400)
        large = photo.renditions["large"]
        assert (large.width, large.height) == (800, 1600)
        with Image.open(io.BytesIO(large.data)) as shown:
            rgb = shown.convert("RGB")
            # Orientation 8 turns 90° counter-clockwise: the left (red) half ends at the bottom.
            assert near(rgb.getpixel((400, 1500)), (255, 0, 0))
            assert near(rgb.getpixel((400, 100)), (0, 0, 255))

    def test_makes_every_size_on_the_long_side(self) -> None:
        photo = process_upload(encode(halves((2000, 1500), "green", "white"), "PNG"))

        sizes = {name: (r.width, r.height) for name, r in photo.renditions.items()}
        assert sizes == {
            "thumb": (200, 150),
            "small": (480, 360),
            "medium": (960, 720),
            "large": (1600, 1200),
        }
        for rendition in photo.renditions.values():
            with Image.open(io.BytesIO(rendition.data)) as decoded:
                assert decoded.size == (rendition.width, rendition.height)

    def test_never_upscales(self) -> None:
        photo = process_upload(encode(Image.new("RGB", (500, 120), "orange"), "JPEG"))

        sizes = {name: (r.width, r.height) for name, r in photo.renditions.items()}
        assert sizes == {
            "thumb": (200, 48),
            "small": (480, 115),
            "medium": (500, 120),
            "large": (500, 120),
        }

    def test_reports_facts_of_the_original(self) -> None:
        import hashlib

        data = encode(Image.new("RGB", (64, 48), "purple"), "WEBP")
        photo = process_upload(data)

        assert photo.source_format == "WEBP"
        assert photo.sha256 == hashlib.sha256(data).hexdigest()
        assert photo.byte_size == len(data)
        assert (photo.width, photo.height) == (64, 48)
        assert photo.has_alpha is False

    def test_keeps_transparency(self) -> None:
        image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
        image.paste((0, 200, 0, 255), (25, 25, 75, 75))
        photo = process_upload(encode(image, "PNG"))

        assert photo.has_alpha is True
        with Image.open(io.BytesIO(photo.renditions["large"].data)) as decoded:
            assert decoded.mode == "RGBA"
            assert decoded.getpixel((2, 2))[3] == 0
            assert decoded.getpixel((50, 50))[3] == 255
        assert_clean(photo)

    def test_accepts_palette_and_text_chunks_and_drops_the_text(self) -> None:
        from PIL import PngImagePlugin

        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", "Secret owner address")
        image = Image.new("P", (40, 30), 3)
        photo = process_upload(encode(image, "PNG", pnginfo=text))

        assert photo.source_format == "PNG"
        assert all(b"Secret" not in r.data for r in photo.renditions.values())

    def test_scales_sixteen_bit_greyscale_instead_of_clipping(self) -> None:
        grey = Image.new("I;16", (32, 32), 32768)  # mid grey on 16 bits
        photo = process_upload(encode(grey, "PNG"))

        with Image.open(io.BytesIO(photo.renditions["thumb"].data)) as decoded:
            value = decoded.convert("L").getpixel((16, 16))
            assert 110 <= value <= 145

    def test_converts_cmyk_jpeg_to_rgb(self) -> None:
        cmyk = Image.new("CMYK", (40, 40), (0, 255, 255, 0))  # red in CMYK
        photo = process_upload(encode(cmyk, "JPEG"))

        with Image.open(io.BytesIO(photo.renditions["thumb"].data)) as decoded:
            assert decoded.mode == "RGB"
            assert near(decoded.getpixel((20, 20)), (255, 0, 0), tolerance=60)

    def test_an_animated_image_gives_its_first_frame(self) -> None:
        frames = [Image.new("RGB", (60, 40), colour) for colour in ("red", "lime", "blue")]
        data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100)
        photo = process_upload(data)

        with Image.open(io.BytesIO(photo.renditions["large"].data)) as decoded:
            assert getattr(decoded, "n_frames", 1) == 1
            assert near(decoded.convert("RGB").getpixel((30, 20)), (255, 0, 0))

    def test_an_unusable_colour_profile_is_ignored(self) -> None:
        lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
        data = encode(Image.new("RGB", (40, 40), "yellow"), "JPEG", icc_profile=lab)
        photo = process_upload(data)

        with Image.open(io.BytesIO(photo.renditions["thumb"].data)) as decoded:
            assert near(decoded.convert("RGB").getpixel((20, 20)), (255, 255, 0))
        assert_clean(photo)

    def test_identifies_the_format_by_content_only(self) -> None:
        # What a client claims is never asked for: a PNG is a PNG whatever its name was.
        assert process_upload(encode(Image.new("RGB", (8, 8)), "PNG")).source_format == "PNG"
        assert process_upload(encode(Image.new("RGB", (8, 8)), "JPEG")).source_format == "JPEG"

    async def test_runs_in_a_worker_thread(self) -> None:
        photo = await process_upload_async(camera_jpeg())

        assert (photo.width, photo.height) == (200, 300)
        assert_clean(photo)


class TestRefusals:
    def test_zero_bytes_is_not_an_image(self) -> None:
        assert refusal(b"").code == ErrorCode.PHOTO_NOT_AN_IMAGE

    def test_a_text_file_named_jpg_is_not_an_image(self) -> None:
        text = b"Hello, this is my holiday photo.jpg, honest.\n" * 20
        assert refusal(text).code == ErrorCode.PHOTO_NOT_AN_IMAGE

    def test_random_bytes_are_not_an_image(self) -> None:
        assert refusal(bytes(range(256)) * 8).code == ErrorCode.PHOTO_NOT_AN_IMAGE

    def test_a_truncated_jpeg_is_damaged(self) -> None:
        data = encode(noise((400, 300)), "JPEG", quality=90)
        error = refusal(data[: len(data) * 2 // 3])
        assert error.code == ErrorCode.PHOTO_DAMAGED

    def test_a_jpeg_cut_inside_its_header_is_damaged(self) -> None:
        assert refusal(camera_jpeg()[:20]).code == ErrorCode.PHOTO_DAMAGED

    def test_a_truncated_png_is_damaged(self) -> None:
        data = encode(noise((300, 200)), "PNG")
        assert refusal(data[: len(data) // 2]).code == ErrorCode.PHOTO_DAMAGED

    def test_a_truncated_webp_is_damaged(self) -> None:
        data = encode(noise((300, 200)), "WEBP")
        assert refusal(data[: len(data) // 2]).code == ErrorCode.PHOTO_DAMAGED

    def test_more_bytes_than_the_default_limit_is_too_large(self) -> None:
        data = b"\xff\xd8\xff" + bytes(15 * 1024 * 1024)
        error = refusal(data)
        assert error.code == ErrorCode.PHOTO_TOO_LARGE
        assert error.context == {"bytes": len(data), "limit": 15 * 1024 * 1024}

    def test_the_byte_limit_is_configurable(self) -> None:
        data = encode(noise((200, 200)), "PNG")
        limits = PhotoLimits(max_bytes=len(data) - 1)
        assert refusal(data, limits).code == ErrorCode.PHOTO_TOO_LARGE
        assert process_upload(data, limits=PhotoLimits(max_bytes=len(data))).byte_size == len(data)

    def test_more_pixels_than_the_limit_is_refused_before_decoding(self) -> None:
        data = encode(Image.new("RGB", (200, 100)), "PNG")
        error = refusal(data, PhotoLimits(max_pixels=19_999))
        assert error.code == ErrorCode.PHOTO_TOO_MANY_PIXELS
        assert error.context == {"width": 200, "height": 100, "limit": 19_999}

    def test_a_png_declaring_huge_dimensions_is_a_bomb(self) -> None:
        started = time.perf_counter()
        error = refusal(png_declaring(100_000, 100_000))
        assert error.code == ErrorCode.PHOTO_TOO_MANY_PIXELS
        assert time.perf_counter() - started < 1

    def test_a_png_above_the_limit_but_below_pillows_guard_is_refused(self) -> None:
        error = refusal(png_declaring(9000, 9000))  # 81 Mpx > 40 Mpx, < Pillow's ceiling
        assert error.code == ErrorCode.PHOTO_TOO_MANY_PIXELS

    def test_a_real_decompression_bomb_is_refused_without_decoding(self) -> None:
        bomb = zero_png(10_000, 10_000)  # 100 Mpx of black in ~100 KB
        assert len(bomb) < 200_000
        started = time.perf_counter()
        assert refusal(bomb).code == ErrorCode.PHOTO_TOO_MANY_PIXELS
        assert time.perf_counter() - started < 1

    @pytest.mark.parametrize("fmt", ["GIF", "TIFF", "BMP"])
    def test_other_raster_formats_are_unsupported(self, fmt: str) -> None:
        error = refusal(encode(Image.new("RGB", (20, 20), "red"), fmt))
        assert error.code == ErrorCode.PHOTO_UNSUPPORTED_FORMAT
        assert error.context == {"format": fmt}

    def test_an_svg_is_unsupported(self) -> None:
        svg = (
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" '
            b'height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>'
        )
        error = refusal(svg)
        assert error.code == ErrorCode.PHOTO_UNSUPPORTED_FORMAT
        assert error.context == {"format": "SVG"}

    def test_a_heic_photo_is_unsupported(self) -> None:
        heic = struct.pack(">I", 24) + b"ftypheic" + b"\0\0\0\0" + b"mif1heic" + bytes(64)
        error = refusal(heic)
        assert error.code == ErrorCode.PHOTO_UNSUPPORTED_FORMAT
        assert error.context == {"format": "HEIF"}

    def test_refusals_are_translated(self) -> None:
        error = refusal(b"not an image")
        assert translate(error.message, "fr") != error.message
        assert translate(error.message, "en") == "This file is not an image."

    def test_limits_out_of_range_are_refused(self) -> None:
        with pytest.raises(ValueError, match="max_pixels"):
            PhotoLimits(max_pixels=200_000_000)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` greyscale pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + _chunk(b"IEND", b"")
    )


def zero_png(width: int, height: int) -> bytes:
    """A valid greyscale PNG of zeros: decoding it would need width * height bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = bytes(width + 1)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", body)
        + _chunk(b"IEND", b"")
    )
