"""Enrolment at the terminal page in Chromium: simulated card reader, fake camera of a real person.

The fake camera loops one clip, so a still photo cannot blink or open its mouth. The
policy limits liveness to the two turns and the clip shows one person facing the camera,
turning left, back, right, back, left, back, right. So whichever order the server
requests appears while the page films, because the camera opens (and the clip starts)
after consent.
"""
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import enrolment_faces

CLIP_FRAME_RATE = 10
# (pose, seconds): the lead-in facing the camera is longer so the page's first frames,
# which set the person's straight-ahead reference, are frontal.
CLIP_SEGMENTS = [
    ("frontal", 1.6), ("left", 1.2), ("frontal", 1.2), ("right", 1.2), ("frontal", 1.2),
    ("left", 1.2), ("frontal", 1.2), ("right", 1.2), ("frontal", 1.2),
]  # fmt: skip
# Filming and checking take about 12 s; allow for a slow machine.
RESULT_TIMEOUT_MS = 90_000


def make_turn_clip(person, folder: Path) -> Path:
    """Write the poses as 640×480 frames with faint noise into a limited-range yuv420p .y4m.

    Raw RGB frames go to ffmpeg through a pipe: noisy PNG files would take most of a minute.
    """
    width, height = enrolment_faces.FRAME_SIZE
    clip = folder / "turns.y4m"
    encoder = subprocess.Popen(
        [
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(CLIP_FRAME_RATE), "-i", "-",
            "-vf", "format=yuv420p", "-color_range", "tv", "-pix_fmt", "yuv420p", str(clip),
        ],
        stdin=subprocess.PIPE,
    )  # fmt: skip
    index = 0
    for pose, seconds in CLIP_SEGMENTS:
        photo = Image.open(getattr(person, pose)).convert("RGB")
        photo.thumbnail(enrolment_faces.FRAME_SIZE)
        frame = Image.new("RGB", enrolment_faces.FRAME_SIZE)
        frame.paste(photo, ((width - photo.width) // 2, (height - photo.height) // 2))
        pixels = np.asarray(frame, dtype=np.int16)
        for _ in range(round(seconds * CLIP_FRAME_RATE)):
            noise = np.random.default_rng(index).integers(-2, 3, size=pixels.shape)
            encoder.stdin.write(np.clip(pixels + noise, 0, 255).astype(np.uint8).tobytes())
            index += 1
    encoder.stdin.close()
    if encoder.wait(timeout=120) != 0:
        raise RuntimeError(f"ffmpeg failed to write {clip}")
    return clip


@pytest.fixture(scope="session")
def turn_clip(faces_dir, tmp_path_factory) -> Path:
    return make_turn_clip(enrolment_faces.person(faces_dir), tmp_path_factory.mktemp("enrolment_clip"))


@pytest.fixture
def person(faces_dir):
    return enrolment_faces.person(faces_dir)


@pytest.fixture
def student(org_tree):
    from aidface.roster.models import AidStatus, Gender, Student

    value = enrolment_faces.id_number(birth="20060315")
    return Student.objects.create(
        school=org_tree.county_school,
        name="陈晓明",
        id_number=value,
        gender=Gender.MALE if int(value[16]) % 2 else Gender.FEMALE,
        grade="2025级",
        class_name="机电1班",
        aid_status=AidStatus.AIDED,
    )


@pytest.fixture
def turns_only(org_tree):
    from aidface.policy.models import PolicyOverride

    return PolicyOverride.objects.create(office=org_tree.province, key="liveness_actions", value=["turn_left", "turn_right"])


@pytest.fixture
def reader(settings):
    """Start the reader simulator with a card; the terminal page is pointed at it."""
    from aidface.enrolment.simulator import ReaderSimulator, SimulatedCard

    started = []

    def start(*, name: str, id_number: str, photo: bytes) -> ReaderSimulator:
        simulator = ReaderSimulator(SimulatedCard(name=name, id_number=id_number, photo=photo)).start()
        started.append(simulator)
        settings.AIDFACE_CARD_READER_URL = simulator.url
        return simulator

    yield start
    for simulator in started:
        simulator.stop()


@pytest.fixture
def open_terminal(live_server, org_tree, turns_only, turn_clip, launch_browser, new_page, log_in):
    """Return `open()`: log the terminal in and open its kiosk page, after the reader has started."""

    def open_page():
        page = new_page(on=launch_browser(camera_clip=turn_clip))
        log_in(page, "county_terminal", org_tree.password)
        page.goto(f"{live_server.url}/enrolment/terminal/")
        return page

    return open_page


def enrolment_state(student) -> str:
    from aidface.enrolment.models import Enrolment

    return Enrolment.objects.get(student=student).state


def read_card_and_film(page) -> str:
    page.get_by_role("button", name="读取身份证").click()
    page.get_by_label("本人同意采集人脸信息").check()
    page.get_by_role("button", name="同意并开始采集").click()
    result = page.locator("#step-result")
    result.wait_for(state="visible", timeout=RESULT_TIMEOUT_MS)
    return page.locator("#result-title").inner_text()


def test_terminal_enrols_student(open_terminal, reader, student, person):
    reader(name=student.name, id_number=student.id_number, photo=enrolment_faces.chip_photo(person.chip_source))
    page = open_terminal()

    title = read_card_and_film(page)

    assert title == "采集成功", page.locator("#result-messages").inner_text()
    assert enrolment_state(student) == "enrolled"


def test_terminal_shows_student_from_card(open_terminal, reader, student, person):
    reader(name=student.name, id_number=student.id_number, photo=enrolment_faces.chip_photo(person.chip_source))
    page = open_terminal()

    page.get_by_role("button", name="读取身份证").click()
    page.locator("#step-consent").wait_for(state="visible")

    assert page.locator("#student-name").inner_text() == "陈晓明"
    assert page.locator("#student-id").inner_text() == student.masked_id_number
    assert page.locator("#guardian").is_hidden()


def test_terminal_rejects_other_persons_chip(open_terminal, reader, student, faces_dir):
    other_chip = enrolment_faces.chip_photo(enrolment_faces.other_person_chip_source(faces_dir))
    reader(name=student.name, id_number=student.id_number, photo=other_chip)
    page = open_terminal()

    title = read_card_and_film(page)

    assert title == "比对未通过", page.locator("#result-messages").inner_text()
    assert enrolment_state(student) == "verification_failed"
    assert page.get_by_role("button", name="登记为暂时录入").is_visible()


def test_terminal_registers_provisional_and_evidence(open_terminal, reader, student, faces_dir):
    other_chip = enrolment_faces.chip_photo(enrolment_faces.other_person_chip_source(faces_dir))
    reader(name=student.name, id_number=student.id_number, photo=other_chip)
    page = open_terminal()
    read_card_and_film(page)

    page.get_by_role("button", name="登记为暂时录入").click()
    page.get_by_text("已登记：暂时录入").wait_for()
    page.get_by_role("button", name="拍摄手持身份证照片").click()
    page.get_by_role("button", name="拍照").click()
    page.get_by_text("佐证照片已保存").wait_for()

    from aidface.enrolment.models import EnrolmentPhoto

    assert enrolment_state(student) == "provisional"
    assert EnrolmentPhoto.objects.filter(enrolment__student=student, kind="evidence").count() == 1
