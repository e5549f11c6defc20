"""Campaign cover images: what an upload is, decided by its content, then re-made.

A name or a browser's Content-Type says nothing reliable, so Pillow decides:
the bytes must open as JPEG, PNG or WebP (nothing else is even tried), and
pass `verify()`. The pixel count is checked against COVER_MAX_PIXELS before
any pixel is decoded, and Pillow's own decompression-bomb guard is turned from
a warning into a refusal, so a small file that expands to gigabytes is a 400,
never a worker out of memory. What is stored is never the uploaded bytes: the
image is decoded, turned upright by its EXIF orientation, and encoded afresh
(JPEG, or PNG/WebP where the original has transparency), which drops EXIF,
GPS, comments and anything smuggled after the image data. A thumbnail for the
lists is made from the same pixels."""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
# The stored cover fits in this box (the page shows it at most ~1200 px wide).
COVER_BOX = (1600, 1600)
THUMBNAIL_BOX = (480, 320)
JPEG_QUALITY = 85

FIELD = "image"
NOT_AN_IMAGE = "Upload a JPEG, PNG or WebP image."
TOO_LARGE = "An image may be at most {mb} MB."
TOO_MANY_PIXELS = "The image is too large to process (at most {pixels:,} pixels)."


@dataclass(frozen=True)
class Cover:
    """A re-encoded cover and its thumbnail, ready to store."""

    image: bytes
    thumbnail: bytes
    extension: str
    width: int
    height: int


def _refuse(message: str) -> ValidationError:
    return ValidationError({FIELD: [message]})


def _encode(image: Image.Image, box: tuple[int, int], *, keep_alpha: bool) -> tuple[bytes, str]:
    image = image.copy()
    image.thumbnail(box, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if keep_alpha:
        image.save(out, format="PNG", optimize=True)
        return out.getvalue(), "png"
    image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), "jpg"


def process_cover(upload) -> Cover:
    """The upload as a clean cover and thumbnail, or ValidationError({"image": [...]})
    (a 400): empty, over COVER_MAX_BYTES, not a JPEG/PNG/WebP by content, broken,
    or more pixels than COVER_MAX_PIXELS (a decompression bomb)."""
    if upload is None:
        raise _refuse("Choose an image to upload.")
    max_bytes = settings.COVER_MAX_BYTES
    size = getattr(upload, "size", None) or 0
    if size > max_bytes:
        raise _refuse(TOO_LARGE.format(mb=max_bytes // (1024 * 1024)))
    if size == 0:
        raise _refuse("The file is empty.")
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:  # a size that lied
        raise _refuse(TOO_LARGE.format(mb=max_bytes // (1024 * 1024)))
    max_pixels = settings.COVER_MAX_PIXELS
    with warnings.catch_warnings():
        # Pillow warns above Image.MAX_IMAGE_PIXELS and raises above twice that, from
        # the header alone; both refuse, as does COVER_MAX_PIXELS (usually lower).
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as probe:
                width, height = probe.size
                if width * height > max_pixels:
                    raise _refuse(TOO_MANY_PIXELS.format(pixels=max_pixels))
                probe.verify()
            # verify() leaves the image unusable: open again to decode the pixels.
            with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _refuse(TOO_MANY_PIXELS.format(pixels=max_pixels)) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise _refuse(NOT_AN_IMAGE) from exc
    try:
        return _reencode(upright)
    except (OSError, ValueError) as exc:  # a mode Pillow cannot turn into RGB
        raise _refuse(NOT_AN_IMAGE) from exc


def _reencode(upright: Image.Image) -> Cover:
    if upright.mode in ("P", "PA"):
        upright = upright.convert("RGBA")
    elif upright.mode.startswith("I") or upright.mode == "F":
        # 16-bit and float greyscale: scale down to 8 bits (PNG stores I;16).
        upright = upright.convert("I").point(lambda v: v / 256).convert("L")
    keep_alpha = upright.mode in ("RGBA", "LA") and upright.getchannel("A").getextrema()[0] < 255
    if not keep_alpha and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    cover, extension = _encode(upright, COVER_BOX, keep_alpha=keep_alpha)
    thumbnail, _ = _encode(upright, THUMBNAIL_BOX, keep_alpha=keep_alpha)
    return Cover(cover, thumbnail, extension, *upright.size)
