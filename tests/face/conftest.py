"""Fixtures for face-engine tests: real photos from the face folder, as Pillow images.

Tests marked `slow` evaluate whole data sets and take minutes, so they run only when
selected with `-m slow` or when AIDFACE_RUN_SLOW=1 is set.
"""
import os
from pathlib import Path

import pytest
from PIL import Image

# A frontal East Asian face, 337x500 JPEG, found by HOG without upsampling.
PORTRAIT = "asian/gallery/cnceleb_003/1.jpg"
# A different person, for two-face pictures and impostor pairs.
OTHER_PORTRAIT = "asian/gallery/cnceleb_008/1.jpg"


@pytest.fixture(scope="session")
def portrait(faces_dir) -> Image.Image:
    with Image.open(faces_dir / PORTRAIT) as image:
        return image.convert("RGB")


@pytest.fixture(scope="session")
def other_portrait(faces_dir) -> Image.Image:
    with Image.open(faces_dir / OTHER_PORTRAIT) as image:
        return image.convert("RGB")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("AIDFACE_RUN_SLOW") == "1" or "slow" in (config.getoption("markexpr") or ""):
        return
    face_tests_dir = Path(__file__).parent
    skip = pytest.mark.skip(reason="slow full-data-set evaluation; run with -m slow or AIDFACE_RUN_SLOW=1")
    for item in items:
        if item.get_closest_marker("slow") and face_tests_dir in Path(item.fspath).parents:
            item.add_marker(skip)
