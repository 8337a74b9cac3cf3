"""Playwright fixtures driving Debian's Chromium headless, with a fake camera and a set location.

Chromium is the system's /usr/bin/chromium (override with AIDFACE_CHROMIUM); Playwright's
own browser download is never used. Pages are served by pytest-django's `live_server`.

Every test in this folder is marked `browser` and, unless it has its own `django_db` mark,
runs as a transactional test, because the live server's thread reads only committed data.
"""
import itertools
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread, and Django refuses database
# calls from a thread with a running loop unless this is set.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("AIDFACE_CHROMIUM", "/usr/bin/chromium")

# Flags checked with Debian's Chromium 156 in headless mode.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-device-for-media-stream",
]
# Accepts every camera prompt, whatever permissions the context was granted.
AUTO_ACCEPT_CAMERA_FLAG = "--use-fake-ui-for-media-stream"

CLIP_WIDTH = 640
CLIP_HEIGHT = 480
CLIP_FRAME_RATE = 15
PAGE_TIMEOUT_MS = 15_000
DEFAULT_ACCURACY_M = 20.0

BROWSER_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_DIR not in Path(item.path).parents:
            continue
        item.add_marker(pytest.mark.browser)
        if item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture
def playwright_driver() -> Iterator[object]:
    """Playwright's sync driver, started per test.

    While it runs, its event loop makes Django's connection handler see a different
    context, so it must start after and stop before pytest-django sets up and flushes
    the test database (which is why it is not session-scoped). Queries in a test body
    after it starts run on a second connection, which reads the committed data.
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; install Debian's chromium package or set AIDFACE_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver
        # Close the connections opened while the loop ran, before the database is torn down.
        from django.db import connections

        connections.close_all()


@pytest.fixture
def launch_browser(playwright_driver) -> Iterator[Callable[..., object]]:
    """Return `launch(camera_clip=None, auto_accept_camera=True)`, which starts a headless Chromium.

    With `camera_clip` (a .y4m file from `make_camera_clip`) the fake camera plays that
    clip; without it Chromium's fake camera shows its built-in test pattern. With
    `auto_accept_camera=False` the camera is available only to pages whose context was
    granted the "camera" permission, so a refused camera can be tested. Every browser
    launched closes after the test.
    """
    browsers = []

    def launch(camera_clip: Path | None = None, auto_accept_camera: bool = True):
        args = list(CHROMIUM_FLAGS)
        if auto_accept_camera:
            args.append(AUTO_ACCEPT_CAMERA_FLAG)
        if camera_clip is not None:
            if not Path(camera_clip).is_file():
                raise FileNotFoundError(f"camera clip not found: {camera_clip}")
            args.append(f"--use-file-for-fake-video-capture={camera_clip}")
        browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        browsers.append(browser)
        return browser

    yield launch
    for browser in browsers:
        browser.close()


@pytest.fixture
def browser(launch_browser):
    """A headless Chromium that accepts camera prompts and shows the fake camera's test pattern."""
    return launch_browser()


def _geolocation(latitude: float, longitude: float, accuracy: float) -> dict:
    return {"latitude": latitude, "longitude": longitude, "accuracy": accuracy}


@pytest.fixture
def new_page(browser) -> Callable[..., object]:
    """Return `open(*, latitude=None, longitude=None, accuracy=20.0, camera=True, on=browser)`.

    Each call opens a page in a new Chinese-locale context. With a latitude and longitude
    (WGS-84 degrees, accuracy in metres) the context reports that GPS fix and grants
    geolocation. `camera=True` grants the camera permission, which decides only in a
    browser launched with `auto_accept_camera=False`. `on` picks another launched browser.
    """

    def open_page(
        *,
        latitude: float | None = None,
        longitude: float | None = None,
        accuracy: float = DEFAULT_ACCURACY_M,
        camera: bool = True,
        on=None,
    ):
        permissions = ["camera"] if camera else []
        options = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", "viewport": {"width": 1280, "height": 900}}
        if latitude is not None and longitude is not None:
            permissions.append("geolocation")
            options["geolocation"] = _geolocation(latitude, longitude, accuracy)
        context = (on or browser).new_context(permissions=permissions, **options)
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        return context.new_page()

    return open_page


@pytest.fixture
def set_location() -> Callable[..., None]:
    """Return `move(page, *, latitude, longitude, accuracy=20.0)`: grant geolocation and set a new GPS fix."""

    def move(page, *, latitude: float, longitude: float, accuracy: float = DEFAULT_ACCURACY_M) -> None:
        page.context.grant_permissions(["geolocation"])
        page.context.set_geolocation(_geolocation(latitude, longitude, accuracy))

    return move


@pytest.fixture
def log_in(live_server) -> Callable[[object, str, str], None]:
    """Return `log_in(page, username, password)`, which logs in through the real login page."""

    def submit(page, username: str, password: str) -> None:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()

    return submit


@pytest.fixture
def make_camera_clip(tmp_path) -> Callable[..., Path]:
    """Return `make(photo_path, seconds=3) -> Path`: a 640×480 limited-range yuv420p .y4m clip of one photo.

    The photo is scaled to fit and padded with black. A 3-second clip at 15 frames per
    second is about 21 MB, so it is written to the test's temporary folder and never kept.
    """
    clip_numbers = itertools.count(1)
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.fail("ffmpeg not found; install Debian's ffmpeg package")

    def make(photo_path: Path, seconds: float = 3.0) -> Path:
        photo_path = Path(photo_path)
        if not photo_path.is_file():
            raise FileNotFoundError(f"photo not found: {photo_path}")
        clip = tmp_path / f"camera_{next(clip_numbers)}_{photo_path.stem}.y4m"
        video_filter = (
            f"scale={CLIP_WIDTH}:{CLIP_HEIGHT}:force_original_aspect_ratio=decrease,"
            f"pad={CLIP_WIDTH}:{CLIP_HEIGHT}:(ow-iw)/2:(oh-ih)/2,format=yuv420p"
        )
        subprocess.run(
            [
                ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
                "-loop", "1", "-i", str(photo_path),
                "-t", str(seconds), "-r", str(CLIP_FRAME_RATE),
                "-vf", video_filter, "-color_range", "tv", "-pix_fmt", "yuv420p",
                str(clip),
            ],
            check=True,
            timeout=120,
        )
        return clip

    return make
