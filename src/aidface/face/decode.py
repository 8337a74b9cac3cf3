"""Decode uploaded photo bytes into contiguous 8-bit RGB pixels for dlib.

Phones, browsers and ID-card readers send JPEG, PNG, WebP, GIF, BMP and HEIC/HEIF.
Limits are checked from the header, before any pixel is decoded.
"""
import io
import threading
import warnings
from dataclasses import dataclass

import numpy as np
import pillow_heif
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from aidface.face.errors import FaceError

pillow_heif.register_heif_opener()

# Our own pixel limit is below Pillow's warning level (about 89 megapixels), so Pillow's
# DecompressionBombWarning only repeats what MAX_PIXELS already rejects.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
ACCEPTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "HEIF"})
SINGLE_CHANNEL_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "I;16N", "F"})
WHITE = (255, 255, 255)
# NOTE: decodes in threads of one process wait for each other while loading pixels,
# because Pillow's truncation flag is a module global.
_TRUNCATED_FLAG_LOCK = threading.Lock()


@dataclass(frozen=True)
class DecodedImage:
    """Upright pixels of one photo.

    `rgb` is a C-contiguous uint8 array of shape (height, width, 3): dlib's HOG detector
    gives wrong, non-repeatable results on a strided view and its descriptor raises.
    `exif_orientation` is the tag the file carried (1 when absent); it has already been
    applied to `rgb`.
    """

    rgb: np.ndarray
    monochrome: bool
    format: str
    width: int
    height: int
    exif_orientation: int = 1


def decode_image(data: bytes) -> DecodedImage:
    """Decode photo bytes, apply the EXIF orientation once and convert to 8-bit RGB.

    Raises FaceError with code file_too_large, image_too_large, unsupported_format or
    unreadable_image (truncated or corrupt bytes, not an image).
    """
    if len(data) > MAX_FILE_BYTES:
        raise FaceError("file_too_large")

    image = _open_header(data)
    if image.format not in ACCEPTED_FORMATS:
        raise FaceError("unsupported_format")
    if image.width * image.height > MAX_PIXELS:
        raise FaceError("image_too_large")

    _load_complete(image)

    orientation = _exif_orientation(image)
    monochrome = image.mode in SINGLE_CHANNEL_MODES
    upright = ImageOps.exif_transpose(image) if orientation != 1 else image
    rgb = _to_rgb8(upright)
    return DecodedImage(
        rgb=rgb,
        monochrome=monochrome,
        format=image.format,
        width=rgb.shape[1],
        height=rgb.shape[0],
        exif_orientation=orientation,
    )


def _load_complete(image: Image.Image) -> None:
    """Decode the pixels, raising unreadable_image for truncated or corrupt data.

    Pillow fills a truncated file with grey rows when ImageFile.LOAD_TRUNCATED_IMAGES is
    set, and some libraries set it on import (face_recognition 1.3.0 does). A half photo
    must never reach the descriptor, so the flag is cleared while this image loads.
    """
    with _TRUNCATED_FLAG_LOCK:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            image.load()
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise FaceError("unreadable_image") from error
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _open_header(data: bytes) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:
        raise FaceError("image_too_large") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise FaceError("unreadable_image") from error


def _exif_orientation(image: Image.Image) -> int:
    try:
        orientation = image.getexif().get(0x0112, 1)
    except (OSError, SyntaxError, ValueError, TypeError):
        return 1
    return orientation if orientation in range(1, 9) else 1


def _to_rgb8(image: Image.Image) -> np.ndarray:
    """Convert any Pillow mode to a C-contiguous uint8 RGB array."""
    mode = image.mode
    if mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        # 16-bit greyscale: Pillow's convert("L") clips at 255 and gives an almost white
        # picture, so scale the 0..65535 range down instead.
        values = np.asarray(image, dtype=np.float64)
        # Mode "I" or "F" may hold 8-bit or 16-bit samples; the I;16 modes always hold 16-bit.
        sixteen_bit = mode.startswith("I;16") or values.max(initial=0) > 255
        top = 65535.0 if sixteen_bit else 255.0
        grey = np.clip(np.rint(values * (255.0 / top)), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))

    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode in ("LA", "La", "PA", "RGBa"):
        image = image.convert("RGBA")
    if image.mode == "RGBA":
        background = Image.new("RGB", image.size, WHITE)
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        # CMYK (Pillow undoes Adobe's inverted CMYK while decoding), YCbCr, L, 1, LAB.
        image = image.convert("RGB")

    return np.ascontiguousarray(np.array(image, dtype=np.uint8))
