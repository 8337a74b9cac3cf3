"""Detection of exactly one dominant face on pictures made from real photos."""
import numpy as np
import pytest
from PIL import Image

from aidface.face.decode import decode_image
from aidface.face.detect import detect_boxes, find_face
from aidface.face.errors import FaceError
from face_files import jpeg_bytes


def _side_by_side(first: Image.Image, second: Image.Image) -> Image.Image:
    second = second.resize((round(second.width * first.height / second.height), first.height))
    canvas = Image.new("RGB", (first.width + second.width, first.height), "white")
    canvas.paste(first, (0, 0))
    canvas.paste(second, (first.width, 0))
    return canvas


def _chip_crop(portrait: Image.Image) -> Image.Image:
    """Crop tightly round the face, as an ID-card chip photo is, and scale to 102x126."""
    face = find_face(decode_image(jpeg_bytes(portrait)))
    left, top, right, bottom = face.box
    centre_x, centre_y = (left + right) / 2, (top + bottom) / 2
    width = (right - left) * 1.15
    height = width * 126 / 102
    box = (round(centre_x - width / 2), round(centre_y - height / 2), round(centre_x + width / 2), round(centre_y + height / 2))
    return portrait.crop(box).resize((102, 126), Image.Resampling.LANCZOS)


def test_one_face_found(portrait):
    face = find_face(decode_image(jpeg_bytes(portrait)))
    left, top, right, bottom = face.box
    assert 0 <= left < right <= portrait.width
    assert 0 <= top < bottom <= portrait.height
    assert face.landmarks5.shape == (5, 2)
    assert face.landmarks68.shape == (68, 2)


def test_landmarks_inside_box(portrait):
    face = find_face(decode_image(jpeg_bytes(portrait)))
    left, top, right, bottom = face.box
    eyes = face.landmarks5[:4]
    assert (eyes[:, 0] > left).all()
    assert (eyes[:, 0] < right).all()
    assert (eyes[:, 1] > top).all()
    assert (eyes[:, 1] < bottom).all()


def test_no_face(portrait):
    upside_down = portrait.transpose(Image.Transpose.ROTATE_180)
    with pytest.raises(FaceError) as raised:
        find_face(decode_image(jpeg_bytes(upside_down)))
    assert raised.value.code == "no_face"


def test_two_faces(portrait, other_portrait):
    with pytest.raises(FaceError) as raised:
        find_face(decode_image(jpeg_bytes(_side_by_side(portrait, other_portrait))))
    assert raised.value.code == "multiple_faces"


def test_small_background_face_ignored(portrait, other_portrait):
    """A face less than half as wide as the dominant one is someone passing behind."""
    small = other_portrait.resize((other_portrait.width * 2 // 5, other_portrait.height * 2 // 5))
    canvas = Image.new("RGB", (portrait.width + small.width + 20, portrait.height), "white")
    canvas.paste(portrait, (0, 0))
    canvas.paste(small, (portrait.width + 20, 20))
    image = decode_image(jpeg_bytes(canvas))
    assert len(detect_boxes(image.rgb, upsample=1)) == 2
    face = find_face(image)
    assert face.box[2] <= portrait.width


def test_chip_photo_detected(portrait):
    chip = _chip_crop(portrait)
    face = find_face(decode_image(jpeg_bytes(chip)), reference=True)
    assert face.interocular_px > 20
    assert face.interocular_px < 60


def test_chip_photo_unusable(portrait):
    upside_down_chip = _chip_crop(portrait).transpose(Image.Transpose.ROTATE_180)
    with pytest.raises(FaceError) as raised:
        find_face(decode_image(jpeg_bytes(upside_down_chip)), reference=True)
    assert raised.value.code == "reference_unusable"


def test_twelve_megapixel_box_in_full_pixels(portrait):
    """Detection runs on a downscaled copy; the box comes back in full-image pixels."""
    small_face = find_face(decode_image(jpeg_bytes(portrait)))
    scale = 3000 / portrait.height
    large = portrait.resize((round(portrait.width * scale), 3000), Image.Resampling.BICUBIC)
    canvas = Image.new("RGB", (4000, 3000), (128, 128, 128))
    canvas.paste(large, (1000, 0))
    face = find_face(decode_image(jpeg_bytes(canvas)))
    expected_left = 1000 + small_face.box[0] * scale
    assert face.rgb.shape == (3000, 4000, 3)
    assert abs(face.box[0] - expected_left) < 0.1 * (face.box[2] - face.box[0])
    assert abs(face.interocular_px - small_face.interocular_px * scale) < 0.1 * face.interocular_px


def test_cnn_detector(portrait):
    small = portrait.resize((portrait.width // 2, portrait.height // 2))
    face = find_face(decode_image(jpeg_bytes(small)), detector="cnn")
    assert face.detector == "cnn"
    assert face.landmarks68.shape == (68, 2)


def test_repeatable_on_same_bytes(portrait):
    data = jpeg_bytes(portrait.transpose(Image.Transpose.ROTATE_90), exif=_exif_six())
    first = find_face(decode_image(data))
    second = find_face(decode_image(data))
    assert first.box == second.box
    assert np.array_equal(first.landmarks5, second.landmarks5)


def _exif_six() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    return exif.tobytes()
