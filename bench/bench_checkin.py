"""Benchmark the phone check-in through a real HTTP stack against the bare face verify.

Usage (from the repository root, after `.venv/bin/pip install -e '.[bench]'` for gunicorn):

    .venv/bin/python bench/bench_checkin.py [--requests N] [--port P]

Without DATABASE_URL the run uses a fresh SQLite file in a temporary folder. With
DATABASE_URL it migrates and writes into that database, so point it at an empty database
of its own (for example postgres://postgres@127.0.0.1:5432/aidface_bench).

Set-up: one school with an approved campus, N enrolled students (each with a login and a
gallery built from real photos), one routine check open now, and the turns-only liveness
policy, so that the real frames of one man turning his head pass any challenge. Each
student's frames carry their own sensor noise, so no two requests send the same bytes.

The app runs in gunicorn with one sync worker process on 127.0.0.1. For each student the
client requests a challenge, waits as long as filming takes, and posts 21 JPEG frames of
640x480 with a location fix inside the campus (POST /api/checks/phone/check-in). Printed:

- p50 and p95 latency of the check-in request, and of the challenge request;
- check-ins per second per core: 1 / the worker's CPU seconds per check-in (read from
  /proc), and 1 / the mean latency, since one worker serves one request at a time;
- the reference measured in the same run in this process on the same frames: the bare
  face verify (liveness on all frames, descriptors, gallery distance), and the ratio of
  the check-in latency to it.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests" / "support"))

FACES_DIR = Path(os.environ.get("AIDFACE_FACES_DIR", REPO.parent / "shared" / "faces"))
# The campus centre in WGS-84 and a fix 300 m north of it, well inside the 1,500 m radius.
CAMPUS = ("34.748000", "113.022000")
FIX = (34.750698, 113.022000)
# Filming 21 frames 200 ms apart takes 4.2 s. The liveness check lets the frame span exceed
# the time since the challenge by 2 s, so the client waits 2.5 s before it uploads.
FILMING_SECONDS = 2.5
# Noise seeds reserved per student, more than the 21 frames of one check-in.
SEEDS_PER_STUDENT = 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="number of check-ins, one per student (at most 999)")
    parser.add_argument("--port", type=int, default=0, help="port of the WSGI server on 127.0.0.1 (0: a free one)")
    parser.add_argument("--reference-repeats", type=int, default=10, help="bare face verify runs for the reference")
    arguments = parser.parse_args()

    if "DATABASE_URL" not in os.environ:
        os.environ["AIDFACE_VAR_DIR"] = tempfile.mkdtemp(prefix="aidface-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidface.settings")
    os.environ.setdefault("AIDFACE_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    started = time.perf_counter()
    # One more student than measured: the first check-in loads the face models in the worker.
    setup = _set_up(arguments.requests + 1)
    print(f"set-up: {arguments.requests} enrolled students and 1 for warm-up, 1 open routine check, in {time.perf_counter() - started:.1f} s")

    port = arguments.port or _free_port()
    server = _start_server(port)
    try:
        worker = _worker_pid(server.pid)
        measured = _run_check_ins(port, setup, worker)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    reference = _reference(setup, repeats=arguments.reference_repeats)
    _report(measured, reference)
    return 0 if measured["passed"] == arguments.requests else 1


# --- set-up ----------------------------------------------------------------------------


def _set_up(count: int) -> dict:
    """Create the school, its campus, the open check and `count` enrolled students with sessions."""
    import numpy as np
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    import checks_support
    import enrolment_faces
    from aidface.enrolment import galleries
    from aidface.enrolment.models import Enrolment, EnrolmentState, TemplateKind
    from aidface.face.verify import describe
    from aidface.org.models import AidOffice, Campus, CoordSystem, Level, Region, Role, School, User
    from aidface.policy.models import PolicyOverride
    from aidface.roster.services import semester_at

    run = uuid.uuid4().hex[:6]
    # Only the province sets the liveness actions; the school is run by the province directly.
    office = AidOffice.objects.get_or_create(
        region=Region.objects.get(pk="410000"), defaults={"name": "河南省学生资助管理中心", "level": Level.PROVINCE}
    )[0]
    school = School.objects.create(code=f"41419{int(run, 16) % 100000:05d}", name=f"基准测试职业学校{run}", region_id="410100", supervising_office=office)
    campus = Campus.objects.create(
        school=school, name="主校区", address="河南省巩义市杜甫路", latitude=CAMPUS[0], longitude=CAMPUS[1], coord_system=CoordSystem.WGS84
    )
    checks_support.approve_campus(campus)
    PolicyOverride.objects.update_or_create(office=office, key="liveness_actions", defaults={"value": ["turn_left", "turn_right"]})
    staff = User.objects.create(username=f"bench_staff_{run}", role=Role.OFFICE_STAFF, office=office, display_name="bench")

    person = enrolment_faces.person(FACES_DIR)
    probes = [describe(enrolment_faces.camera_frame(path, seed=index), check_quality=False)
              for index, path in enumerate([person.chip_source, person.frontal, person.right])]
    gallery = galleries.build_gallery(
        chip=None, live=np.stack([probe.descriptor for probe in probes]), model_id=probes[0].model_id, model_version=probes[0].model_version
    )

    now = timezone.now()
    students, sessions = [], []
    for index in range(count):
        student = checks_support.make_student(school, name=f"学生{index:04d}", sequence=f"{index:03d}")
        account = User.objects.create(username=f"{run}{student.id_number}", role=Role.STUDENT, school=school, display_name=student.name)
        student.account = account
        student.save(update_fields=["account"])
        enrolment = Enrolment.objects.create(
            student=student, school=school, semester=semester_at(now), state=EnrolmentState.ENROLLED,
            started_at=now - timedelta(days=1), completed_at=now - timedelta(days=1),
        )  # fmt: skip
        galleries.store_template(enrolment=enrolment, kind=TemplateKind.ENROLLED, gallery=gallery)
        session = SessionStore()
        session[SESSION_KEY] = str(account.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = account.get_session_auth_hash()
        session.create()
        students.append(student)
        sessions.append(session.session_key)

    checks_support.make_check(
        office=office, schools=[school], students=students, launched_by=staff, starts_at=now - timedelta(minutes=5), minutes=300
    )
    return {"person": person, "gallery": gallery, "sessions": sessions}


def _frames_for(person, index: int):
    """Make the turning frames of the person, with sensor noise of their own for student `index`."""
    import enrolment_faces
    from aidface.face.liveness import Frame

    seed_base = (index + 1) * SEEDS_PER_STUDENT
    return [
        Frame(
            data=enrolment_faces.camera_frame(getattr(person, pose), seed=seed_base + number),
            captured_ms=number * enrolment_faces.FRAME_INTERVAL_MS,
        )
        for number, pose in enumerate(TURN_PATTERN)
    ]


# The poses of enrolment_faces.turn_frames: facing the camera, turning left, back, right, back,
# left again, so the frames pass a challenge of the two turns in either order.
TURN_PATTERN = ["frontal"] * 4 + ["left"] * 3 + ["frontal"] * 3 + ["right"] * 3 + ["frontal"] * 3 + ["left"] * 3 + ["frontal"] * 2


# --- server ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen:
    command = [
        str(REPO / ".venv" / "bin" / "gunicorn"), "aidface.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "sync", "--timeout", "120",
        "--chdir", str(REPO / "src"), "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=os.environ.copy())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"gunicorn did not listen on 127.0.0.1:{port} within 60 s")


def _worker_pid(master_pid: int) -> int:
    """Return the pid of gunicorn's single worker, the child of the master process."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.2)
    raise RuntimeError("gunicorn started no worker")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- requests --------------------------------------------------------------------------


def _post(port: int, path: str, session_key: str, body: bytes, content_type: str) -> tuple[int, dict]:
    token = secrets.token_hex(16)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body,
        method="POST",
        headers={
            "Content-Type": content_type,
            "Cookie": f"sessionid={session_key}; csrftoken={token}",
            "X-CSRFToken": token,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, file_name, content in files:
        header = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{file_name}"\r\nContent-Type: image/jpeg\r\n\r\n'
        parts.append(header.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _run_check_ins(port: int, setup: dict, worker: int) -> dict:
    from datetime import UTC, datetime

    check_in_ms, challenge_ms, cpu = [], [], []
    passed, outcomes = 0, {}
    for index, session_key in enumerate(setup["sessions"]):
        frames = _frames_for(setup["person"], index)
        warm_up = index == 0

        began = time.perf_counter()
        status, challenge = _post(port, "/api/checks/phone/challenge", session_key, b"", "application/x-www-form-urlencoded")
        challenge_ms.append((time.perf_counter() - began) * 1000)
        if status != 200:
            raise RuntimeError(f"challenge request failed with HTTP {status}: {challenge}")
        time.sleep(FILMING_SECONDS)

        fields = {
            "nonce": challenge["nonce"],
            "captured_ms": json.dumps([frame.captured_ms for frame in frames]),
            "coord_system": "wgs84",
            "latitude": f"{FIX[0]:.6f}",
            "longitude": f"{FIX[1] + index * 0.00002:.6f}",
            "accuracy": "18",
            "captured_at": datetime.now(UTC).isoformat(),
            "device_id": f"bench-device-{index}",
        }
        body, content_type = _multipart(fields, [("frames", f"{number}.jpg", frame.data) for number, frame in enumerate(frames)])
        cpu_before = _cpu_seconds(worker)
        began = time.perf_counter()
        status, result = _post(port, "/api/checks/phone/check-in", session_key, body, content_type)
        elapsed_ms = (time.perf_counter() - began) * 1000
        if status != 200:
            raise RuntimeError(f"check-in request failed with HTTP {status}: {result}")
        if warm_up:
            challenge_ms.pop()
            continue
        check_in_ms.append(elapsed_ms)
        cpu.append(_cpu_seconds(worker) - cpu_before)
        outcomes[result["outcome"]] = outcomes.get(result["outcome"], 0) + 1
        passed += int(result["passed"])
    return {"check_in_ms": check_in_ms, "challenge_ms": challenge_ms, "cpu_seconds": cpu, "passed": passed, "outcomes": outcomes,
            "body_bytes": len(body)}


# --- reference -------------------------------------------------------------------------


def _reference(setup: dict, *, repeats: int) -> dict:
    """Time the bare face verify in this process: liveness on the frames, then the gallery distance."""
    import numpy as np

    from aidface.face.liveness import InMemoryNonceStore, check_liveness, issue_challenge
    from aidface.face.thresholds import CHECK_IN_THRESHOLD
    from aidface.face.verify import gallery_distance

    store = InMemoryNonceStore()
    durations, cpu = [], []
    for index in range(repeats):
        frames = _frames_for(setup["person"], index)
        challenge = issue_challenge(allowed_actions=["turn_left", "turn_right"])
        now = challenge.issued_at + timedelta(seconds=FILMING_SECONDS)
        began, cpu_began = time.perf_counter(), time.process_time()
        liveness = check_liveness(challenge, frames, nonce_store=store, now=now)
        distance = float(np.median([gallery_distance(setup["gallery"], item.descriptor) for item in liveness.descriptors]))
        durations.append((time.perf_counter() - began) * 1000)
        cpu.append(time.process_time() - cpu_began)
        if not liveness.passed or distance > CHECK_IN_THRESHOLD:
            raise RuntimeError(f"reference verify failed: {liveness.reasons}, distance {distance:.3f}")
    return {"ms": durations, "cpu_seconds": cpu}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _report(measured: dict, reference: dict) -> None:
    check_in = measured["check_in_ms"]
    cpu = measured["cpu_seconds"]
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; database {'PostgreSQL' if os.environ.get('DATABASE_URL', '').startswith('postgres') else 'SQLite'}")
    print(f"check-ins: {len(check_in)}, passed {measured['passed']}, outcomes {measured['outcomes']}, request body {measured['body_bytes'] / 1e6:.2f} MB")
    print(f"check-in latency: p50 {_percentile(check_in, 0.5):.0f} ms, p95 {_percentile(check_in, 0.95):.0f} ms")
    print(f"challenge latency: p50 {_percentile(measured['challenge_ms'], 0.5):.0f} ms, p95 {_percentile(measured['challenge_ms'], 0.95):.0f} ms")
    print(f"worker CPU per check-in: mean {statistics.mean(cpu) * 1000:.0f} ms -> {1 / statistics.mean(cpu):.2f} check-ins per second per core")
    print(f"one worker busy serially: {1000 / statistics.mean(check_in):.2f} check-ins per second")
    verify_ms, verify_cpu = reference["ms"], reference["cpu_seconds"]
    print(f"reference, bare face verify in-process: p50 {_percentile(verify_ms, 0.5):.0f} ms, p95 {_percentile(verify_ms, 0.95):.0f} ms, "
          f"CPU mean {statistics.mean(verify_cpu) * 1000:.0f} ms")
    print(f"ratio check-in p50 / bare verify p50: {_percentile(check_in, 0.5) / _percentile(verify_ms, 0.5):.2f}")
    print(f"ratio CPU per check-in / CPU per bare verify: {statistics.mean(cpu) / statistics.mean(verify_cpu):.2f}")

    from django.db.models import Count

    from aidface.checks.models import FraudSignal

    # Every student shows the same man, so each check-in's photo is a near copy of the others'.
    # This is the fraud detector's most expensive case: it compares thumbnails on every request.
    signals = dict(FraudSignal.objects.values_list("kind").annotate(count=Count("pk")).values_list("kind", "count"))
    joined = FraudSignal.check_ins.through.objects.count()
    print(f"fraud signals stored: {signals or 'none'}, {joined} check-in links")


if __name__ == "__main__":
    sys.exit(main())
