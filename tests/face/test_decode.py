"""Decoding of every format and oddity a phone, browser or ID-card reader sends, on real photos."""
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from aidface.face.decode import MAX_FILE_BYTES, decode_image
from aidface.face.detect import find_face
from aidface.face.errors import FaceError
from face_files import encode, jpeg_bytes


def _tagged_jpeg(image: Image.Image, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return jpeg_bytes(image, exif=exif.tobytes())


def _mean_difference(first: np.ndarray, second: np.ndarray) -> float:
    return float(np.abs(first.astype(np.int16) - second.astype(np.int16)).mean())


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(width: int, height: int, bit_depth: int, colour_type: int, rows: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(rows)) + _png_chunk(b"IEND", b"")


# Stored pixels for each tag: the upright photo turned the other way, so that a reader
# applying the tag shows it upright again. PIL's ROTATE_90 turns counter-clockwise.
STORED_FOR_TAG = {
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,
    8: Image.Transpose.ROTATE_270,
}


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_applied(portrait, orientation):
    stored = portrait.transpose(STORED_FOR_TAG[orientation])
    decoded = decode_image(_tagged_jpeg(stored, orientation))
    assert decoded.rgb.shape == (portrait.height, portrait.width, 3)
    assert _mean_difference(decoded.rgb, np.asarray(portrait)) < 6
    assert decoded.exif_orientation == orientation


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_face_found(portrait, orientation):
    stored = portrait.transpose(STORED_FOR_TAG[orientation])
    face = find_face(decode_image(_tagged_jpeg(stored, orientation)))
    assert face.rgb.shape == (portrait.height, portrait.width, 3)


def test_already_rotated_still_tagged(portrait):
    """An editor rotated the pixels upright but kept tag 6, so the tag turns the face sideways."""
    decoded = decode_image(_tagged_jpeg(portrait, 6))
    assert decoded.rgb.shape == (portrait.width, portrait.height, 3)
    face = find_face(decoded)
    assert face.rgb.shape == (portrait.height, portrait.width, 3)
    assert _mean_difference(face.rgb, np.asarray(portrait)) < 6


def test_rgba_png_on_white(portrait):
    rgba = portrait.convert("RGBA")
    alpha = np.full((portrait.height, portrait.width), 255, np.uint8)
    alpha[:, :40] = 0
    pixels = np.asarray(rgba).copy()
    pixels[:, :40, :3] = 0
    pixels[:, :, 3] = alpha
    decoded = decode_image(encode(Image.fromarray(pixels, "RGBA"), "PNG"))
    assert decoded.rgb.shape == (portrait.height, portrait.width, 3)
    assert decoded.rgb[:, :40].min() == 255
    assert _mean_difference(decoded.rgb[:, 40:], np.asarray(portrait)[:, 40:]) < 1
    assert not decoded.monochrome


def test_palette_png(portrait):
    palette = portrait.convert("P", palette=Image.Palette.ADAPTIVE, colors=256)
    decoded = decode_image(encode(palette, "PNG"))
    assert decoded.format == "PNG"
    assert _mean_difference(decoded.rgb, np.asarray(portrait)) < 8
    assert find_face(decoded).box


def test_sixteen_bit_grey_png(portrait):
    grey = np.asarray(portrait.convert("L"), dtype=np.uint16)
    sixteen = Image.fromarray(grey * 257)
    assert sixteen.mode == "I;16"
    decoded = decode_image(encode(sixteen, "PNG"))
    assert decoded.monochrome
    assert _mean_difference(decoded.rgb[:, :, 0], grey.astype(np.uint8)) < 1
    assert find_face(decoded).box


def test_sixteen_bit_rgb_png(portrait):
    pixels = np.asarray(portrait, dtype=np.uint16) * 257
    rows = b"".join(b"\x00" + row.astype(">u2").tobytes() for row in pixels)
    decoded = decode_image(_png(portrait.width, portrait.height, 16, 2, rows))
    assert not decoded.monochrome
    assert _mean_difference(decoded.rgb, np.asarray(portrait)) < 1


def test_greyscale_jpeg_monochrome(portrait):
    decoded = decode_image(jpeg_bytes(portrait.convert("L")))
    assert decoded.monochrome
    assert decoded.rgb.shape == (portrait.height, portrait.width, 3)
    assert np.array_equal(decoded.rgb[:, :, 0], decoded.rgb[:, :, 2])
    assert find_face(decoded).box


def test_cmyk_jpeg(portrait):
    cmyk = portrait.convert("CMYK")
    decoded = decode_image(jpeg_bytes(cmyk))
    assert decoded.rgb.shape == (portrait.height, portrait.width, 3)
    assert _mean_difference(decoded.rgb, np.asarray(portrait)) < 8
    assert find_face(decoded).box


def test_truncated_jpeg_rejected(portrait):
    data = jpeg_bytes(portrait)
    with pytest.raises(FaceError) as raised:
        decode_image(data[: len(data) // 2])
    assert raised.value.code == "unreadable_image"
    assert raised.value.message == "图片无法读取，请重新拍摄"


def test_truncated_jpeg_rejected_despite_global_flag(portrait):
    """face_recognition sets Pillow's LOAD_TRUNCATED_IMAGES on import, and decoding must not follow it."""
    data = jpeg_bytes(portrait)
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        with pytest.raises(FaceError) as raised:
            decode_image(data[: len(data) // 2])
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous
    assert raised.value.code == "unreadable_image"


def test_global_flag_restored_after_decode(portrait):
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        decode_image(jpeg_bytes(portrait))
        assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def test_huge_png_header_rejected():
    """A 30000x30000 header is rejected before its pixels are decoded."""
    data = _png(30000, 30000, 8, 2, b"\x00" * 16)
    with pytest.raises(FaceError) as raised:
        decode_image(data)
    assert raised.value.code == "image_too_large"


def test_forty_megapixels_rejected():
    data = _png(8000, 5001, 8, 0, b"\x00" * 16)
    with pytest.raises(FaceError) as raised:
        decode_image(data)
    assert raised.value.code == "image_too_large"


def test_file_over_ten_megabytes_rejected(portrait):
    data = jpeg_bytes(portrait) + b"\x00" * MAX_FILE_BYTES
    with pytest.raises(FaceError) as raised:
        decode_image(data)
    assert raised.value.code == "file_too_large"


def test_heic(portrait):
    decoded = decode_image(encode(portrait, "HEIF", quality=90))
    assert decoded.format == "HEIF"
    assert decoded.rgb.shape == (portrait.height, portrait.width, 3)
    assert find_face(decoded).box


def test_bmp_24_bit(portrait):
    data = encode(portrait, "BMP")
    assert data[28] == 24
    decoded = decode_image(data)
    assert decoded.format == "BMP"
    assert np.array_equal(decoded.rgb, np.asarray(portrait))


def test_webp(portrait):
    decoded = decode_image(encode(portrait, "WEBP", quality=90))
    assert decoded.format == "WEBP"
    assert find_face(decoded).box


def test_not_an_image_rejected():
    with pytest.raises(FaceError) as raised:
        decode_image(b"%PDF-1.7 this is not a photo")
    assert raised.value.code == "unreadable_image"


def test_tiff_unsupported(portrait):
    with pytest.raises(FaceError) as raised:
        decode_image(encode(portrait, "TIFF"))
    assert raised.value.code == "unsupported_format"


def test_pixels_contiguous_uint8(portrait):
    decoded = decode_image(_tagged_jpeg(portrait.transpose(Image.Transpose.ROTATE_90), 6))
    assert decoded.rgb.dtype == np.uint8
    assert decoded.rgb.flags.c_contiguous
