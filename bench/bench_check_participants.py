"""Benchmark: draw the participants of a routine check covering many aid students.

Usage (from the repository root):

    .venv/bin/python bench/bench_check_participants.py [--students N] [--schools S]

Without DATABASE_URL the run uses a fresh SQLite file in a temporary folder. With
DATABASE_URL it migrates and writes into that database, so point it at an empty
database of its own.

The setup writes students, enrolments and face template rows in bulk. The template rows
carry placeholder bytes instead of encrypted galleries, because drawing participants
reads only their state and expiry, never the descriptors. The timed part is
`ensure_participants`: the bulk rule query, the internship exclusion and the inserts.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50_000, help="aid students in the covered schools")
    parser.add_argument("--schools", type=int, default=50, help="direct schools of the office")
    arguments = parser.parse_args()

    if "DATABASE_URL" not in os.environ:
        os.environ["AIDFACE_VAR_DIR"] = tempfile.mkdtemp(prefix="aidface-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidface.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    check = _setup(arguments.students, arguments.schools)
    print(f"setup: {arguments.students} students in {arguments.schools} schools in {time.perf_counter() - started:.1f} s")

    from aidface.checks.participants import ensure_participants

    started, cpu_started = time.perf_counter(), time.process_time()
    ensure_participants(check, now=START)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    drawn = check.participants.count()
    print(f"ensure_participants: {drawn} participants in {seconds:.2f} s wall, {cpu:.2f} s CPU ({connection.vendor})")
    print(f"1-minute load average after the run: {os.getloadavg()[0]:.2f} (other processes share the machine)")
    return 0 if drawn == arguments.students else 1


def _setup(student_count: int, school_count: int):
    from django.utils import timezone

    from aidface.checks.models import Check, CheckKind, CheckSchool, SampleMethod
    from aidface.enrolment.models import Enrolment, EnrolmentState, FaceTemplate, TemplateKind
    from aidface.org.models import AidOffice, Level, Region, Role, School, User
    from aidface.roster.models import AidStatus, Gender, Student
    from aidface.roster.services import semester_at

    office, _ = AidOffice.objects.get_or_create(
        region=Region.objects.get(pk="410000"), defaults={"name": "河南省学生资助管理中心", "level": Level.PROVINCE}
    )
    user, _ = User.objects.get_or_create(username="bench_office", defaults={"role": Role.OFFICE_STAFF, "office": office})
    schools = [
        School.objects.get_or_create(
            code=f"41490{index:05d}", defaults={"name": f"基准测试学校{index}", "region_id": "410100", "supervising_office": office}
        )[0]
        for index in range(school_count)
    ]
    semester = semester_at(START)
    enrolled_at = START - timedelta(days=10)

    students = [
        Student(
            school=schools[index % school_count],
            name=f"学生{index}",
            id_number=f"4101{index:014d}",
            gender=Gender.MALE,
            aid_status=AidStatus.AIDED,
        )
        for index in range(student_count)
    ]
    students = Student.objects.bulk_create(students, batch_size=5000)
    enrolments = Enrolment.objects.bulk_create(
        [
            Enrolment(
                student=student,
                school=student.school,
                semester=semester,
                state=EnrolmentState.ENROLLED,
                started_at=enrolled_at,
                completed_at=enrolled_at,
            )
            for student in students
        ],
        batch_size=5000,
    )
    FaceTemplate.objects.bulk_create(
        [
            FaceTemplate(
                student_id=enrolment.student_id,
                enrolment=enrolment,
                kind=TemplateKind.ENROLLED,
                model_id="bench",
                model_version="bench",
                descriptor_count=1,
                descriptors=b"placeholder",
                key_id="bench",
                created_at=timezone.now(),
            )
            for enrolment in enrolments
        ],
        batch_size=5000,
    )
    check = Check.objects.create(
        kind=CheckKind.ROUTINE,
        office=office,
        semester=semester,
        starts_at=START,
        ends_at=START + timedelta(hours=5),
        year=2026,
        month=3,
        sample_method=SampleMethod.ALL,
        launched_by=user,
        launched_at=START - timedelta(days=1),
    )
    CheckSchool.objects.bulk_create([CheckSchool(check_record=check, school=school) for school in schools])
    return check


if __name__ == "__main__":
    sys.exit(main())
