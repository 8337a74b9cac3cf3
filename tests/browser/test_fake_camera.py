"""The browser fixtures: the fake camera plays a clip made from a real photo, and the GPS fix is the one set."""
import base64
import io

import numpy as np
import pytest
from PIL import Image

PHOTO = "gallery/Abel_Pacheco/1.jpg"

# Largest mean absolute difference (0-255 levels) between a camera frame and the photo it
# was made from. Measured with Chromium 156: 0.5 for this photo's clip, 82 for the built-in
# test pattern.
MAX_FRAME_DIFFERENCE = 4

GRAB_FRAME_JS = """async () => {
    const stream = await navigator.mediaDevices.getUserMedia({video: true});
    const video = document.createElement("video");
    video.muted = true;
    video.srcObject = stream;
    await video.play();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    stream.getTracks().forEach((track) => track.stop());
    return {width: canvas.width, height: canvas.height, png: canvas.toDataURL("image/png")};
}"""

OPEN_CAMERA_JS = """() => navigator.mediaDevices.getUserMedia({video: true}).then(
    (stream) => { stream.getTracks().forEach((track) => track.stop()); return "opened"; },
    (error) => error.name,
)"""

POSITION_JS = """() => new Promise((resolve, reject) => navigator.geolocation.getCurrentPosition(
    (position) => resolve({
        latitude: position.coords.latitude,
        longitude: position.coords.longitude,
        accuracy: position.coords.accuracy,
    }),
    (error) => reject(new Error(error.message)),
))"""


@pytest.fixture
def photo(faces_dir):
    return faces_dir / PHOTO


def padded_photo(photo_path) -> np.ndarray:
    """The photo as the clip shows it: scaled to 480 px high, centred on black 640×480."""
    image = Image.open(photo_path).convert("RGB")
    scale = min(640 / image.width, 480 / image.height)
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.BICUBIC)
    frame = Image.new("RGB", (640, 480))
    frame.paste(image, ((640 - image.width) // 2, (480 - image.height) // 2))
    return np.asarray(frame, dtype=np.int16)


def test_clip_header(make_camera_clip, photo):
    header = make_camera_clip(photo, seconds=1).read_bytes()[:100].split(b"\n")[0].decode()
    assert header.startswith("YUV4MPEG2 W640 H480")
    assert "C420" in header
    assert "XCOLORRANGE=LIMITED" in header


def test_clip_missing_photo(make_camera_clip, tmp_path):
    with pytest.raises(FileNotFoundError):
        make_camera_clip(tmp_path / "missing.jpg")


def test_camera_shows_photo(live_server, launch_browser, new_page, make_camera_clip, photo):
    browser = launch_browser(camera_clip=make_camera_clip(photo))
    page = new_page(on=browser)
    page.goto(f"{live_server.url}/login/")

    frame = page.evaluate(GRAB_FRAME_JS)
    assert (frame["width"], frame["height"]) == (640, 480)

    png = base64.b64decode(frame["png"].split(",", 1)[1])
    captured = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    assert np.abs(captured - padded_photo(photo)).mean() < MAX_FRAME_DIFFERENCE


def test_camera_refused_without_permission(live_server, launch_browser, new_page):
    page = new_page(camera=False, on=launch_browser(auto_accept_camera=False))
    page.goto(f"{live_server.url}/login/")
    assert page.evaluate(OPEN_CAMERA_JS) == "NotAllowedError"


def test_camera_opened_with_permission(live_server, launch_browser, new_page):
    page = new_page(camera=True, on=launch_browser(auto_accept_camera=False))
    page.goto(f"{live_server.url}/login/")
    assert page.evaluate(OPEN_CAMERA_JS) == "opened"


def test_location_reported(live_server, new_page):
    page = new_page(latitude=34.7466, longitude=113.6253, accuracy=15)
    page.goto(f"{live_server.url}/login/")
    assert page.evaluate(POSITION_JS) == {"latitude": 34.7466, "longitude": 113.6253, "accuracy": 15}


def test_location_moved(live_server, new_page, set_location):
    page = new_page()
    page.goto(f"{live_server.url}/login/")
    set_location(page, latitude=34.6197, longitude=112.4540, accuracy=30)
    assert page.evaluate(POSITION_JS) == {"latitude": 34.6197, "longitude": 112.4540, "accuracy": 30}
