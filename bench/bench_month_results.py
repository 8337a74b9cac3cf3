"""Benchmark month-result computation and locking for a synthetic province on PostgreSQL.

Usage (from the repository root; PostgreSQL only, in an empty database of its own):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aidface_bench \\
        .venv/bin/python bench/bench_month_results.py [--students N] [--no-eligibility]

The province has N students (default 1,000,000) in schools of 1,000, run by the province
(10 %), the cities (30 %) and the counties (60 %) of Henan's real region codes. For each
of five routine-window months (2026-03, -04, -05, -10, -11) every office with direct
schools runs one routine check over all its students, and the province one targeted check
over a 1 % sample. Participant outcomes are drawn at random (88 % passed, 4 % failed, 2 %
forced pass, 6 % never checked in), and 1 % of the students get a mark each month. The
rows are written with COPY.

Timed, each in a fresh child process whose peak memory (VmHWM, the peak resident set
size) is its own:

- `recompute_month(school_ids=None, ...)` for each month, at noon on the month's last day;
- `lock_due_months` on 2026-12-20, which computes the final results of the five months
  and locks them, then a second run, which must lock nothing;
- the reference: one SQL query that reads the same participants of a month and groups
  them per student, the least work any computation of the month must do.

By default `month_results_changed` reaches the eligibility app, as in production;
`--no-eligibility` disconnects that receiver to time the month results alone. PostgreSQL's
own memory is not in the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import datetime, timedelta

from _synthetic import (
    SHANGHAI,
    STUDENTS_PER_SCHOOL,
    analyze,
    copy_rows,
    copy_students,
    create_offices,
    create_schools,
    peak_rss_mb,
    run_child,
    setup_django,
)

MONTHS = [(2026, 3), (2026, 4), (2026, 5), (2026, 10), (2026, 11)]
TARGETED_SHARE = 0.01
MARKED_SHARE = 0.01
# Participant outcomes: cumulative shares of passed, failed, forced pass; the rest pending.
OUTCOMES = [(0.88, "passed"), (0.92, "failed"), (0.94, "forced_pass"), (1.0, "pending")]
LOCK_RUN_AT = datetime(2026, 12, 20, 9, 0, tzinfo=SHANGHAI)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1_000_000, help="students in the synthetic province")
    parser.add_argument("--no-eligibility", action="store_true", help="disconnect the eligibility receiver while timing")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--year", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--month", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()

    if not setup_django():
        return 2
    if arguments.step:
        return _run_step(arguments)

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    counts = _generate(arguments.students)
    print(f"generated {counts} in {time.perf_counter() - started:.0f} s")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; PostgreSQL {_server_version()}")

    extra = ["--no-eligibility"] if arguments.no_eligibility else []
    results = []
    for year, month in MONTHS:
        reference = _child(["--step", "reference", "--year", str(year), "--month", str(month)])
        recompute = _child(["--step", "recompute", "--year", str(year), "--month", str(month), *extra])
        results.append((year, month, recompute, reference))
        print(
            f"{year}-{month:02d}: recompute_month {recompute['seconds']:.1f} s ({recompute['changed']:,} results, "
            f"peak RSS {recompute['peak_mb']:.0f} MB); reference SQL read {reference['seconds']:.2f} s "
            f"({reference['rows']:,} students); ratio {recompute['seconds'] / reference['seconds']:.1f}"
        )
    lock = _child(["--step", "lock", *extra])
    print(f"lock_due_months: {lock['seconds']:.1f} s, {lock['locked']:,} rows locked, peak RSS {lock['peak_mb']:.0f} MB")
    again = _child(["--step", "lock", *extra])
    print(f"lock_due_months again: {again['seconds']:.1f} s, {again['locked']:,} rows locked")

    total = sum(item[2]["seconds"] for item in results)
    reference_total = sum(item[3]["seconds"] for item in results)
    print(f"all {len(MONTHS)} months: recompute {total:.0f} s, reference {reference_total:.1f} s, ratio {total / reference_total:.1f}")
    print(f"per 1,000 students and month: recompute {1000 * total / (arguments.students * len(MONTHS)) * 1000:.1f} ms")
    return 0 if again["locked"] == 0 else 1


def _child(step: list[str]) -> dict:
    return run_child(__file__, step)


def _server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


# --- timed steps (child processes) -----------------------------------------------------


def _run_step(arguments) -> int:
    if arguments.no_eligibility:
        from aidface.checks.signals import month_results_changed

        month_results_changed.disconnect(dispatch_uid="eligibility.month_results_changed")

    from aidface.checks import results

    started = time.perf_counter()
    if arguments.step == "recompute":
        now = _month_end_noon(arguments.year, arguments.month)
        figures = {"changed": results.recompute_month(school_ids=None, year=arguments.year, month=arguments.month, now=now)}
    elif arguments.step == "lock":
        figures = {"locked": results.lock_due_months(now=LOCK_RUN_AT)}
    elif arguments.step == "reference":
        figures = {"rows": _reference_read(arguments.year, arguments.month)}
    else:
        raise SystemExit(f"unknown step {arguments.step!r}")
    figures["seconds"] = time.perf_counter() - started
    figures["peak_mb"] = peak_rss_mb()
    print(json.dumps(figures))
    return 0


def _month_end_noon(year: int, month: int) -> datetime:
    first_of_next = datetime(year + month // 12, month % 12 + 1, 1, 12, 0, tzinfo=SHANGHAI)
    return first_of_next - timedelta(days=1)


def _reference_read(year: int, month: int) -> int:
    """Read the month's participants grouped per student with one query, and return the number of students."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.student_id, string_agg(p.status || ':' || c.kind, ',')
            FROM checks_participant p JOIN checks_check c ON c.id = p.check_id
            WHERE c.year = %s AND c.month = %s AND c.cancelled_at IS NULL
            GROUP BY p.student_id
            """,
            [year, month],
        )
        count = 0
        while rows := cursor.fetchmany(50_000):
            count += len(rows)
    return count


# --- synthetic province ----------------------------------------------------------------


def _generate(student_count: int) -> dict:
    """Write the offices, schools, students, checks, participants and marks, and return the row counts."""
    from django.utils import timezone

    from aidface.checks.models import Check, CheckSchool, Mark, Participant
    from aidface.org.models import Role, User
    from aidface.roster.services import semester_at

    rng = random.Random(20261205)
    now = timezone.now()
    offices = create_offices()
    province, cities, counties = offices
    staff = User.objects.create(username="bench_province_staff", role=Role.OFFICE_STAFF, office=province, display_name="bench")

    school_count = max(1, -(-student_count // STUDENTS_PER_SCHOOL))
    schools = create_schools(rng, school_count, offices=offices, code_prefix="49")
    stamp = now.isoformat()
    student_ids, school_of = copy_students(schools, student_count, gender="1", stamp=stamp)

    offices_with_schools = {}
    for school in schools:
        offices_with_schools.setdefault(school.supervising_office_id, []).append(school)

    participant_count = mark_count = check_count = 0
    for year, month in MONTHS:
        starts_at = datetime(year, month, 10, 9, 0, tzinfo=SHANGHAI)
        semester = semester_at(starts_at)
        routine = {}
        for office_id, office_schools in offices_with_schools.items():
            check = Check.objects.create(
                kind="routine", office_id=office_id, semester=semester, starts_at=starts_at, ends_at=starts_at + timedelta(hours=5),
                year=year, month=month, participants_drawn_at=starts_at, launched_by=staff, launched_at=starts_at - timedelta(days=1),
            )  # fmt: skip
            CheckSchool.objects.bulk_create([CheckSchool(check_record=check, school=school) for school in office_schools])
            routine[office_id] = check.pk
        targeted = Check.objects.create(
            kind="targeted", office=province, semester=semester, starts_at=starts_at + timedelta(days=5),
            ends_at=starts_at + timedelta(days=5, hours=3), year=year, month=month, sample_method="percent", sample_size=1,
            sample_seed="bench", participants_drawn_at=starts_at + timedelta(days=5), launched_by=staff, launched_at=starts_at,
        )  # fmt: skip
        CheckSchool.objects.bulk_create([CheckSchool(check_record=targeted, school=school) for school in schools])
        check_count += len(routine) + 1

        sample = set(rng.sample(range(student_count), max(1, int(student_count * TARGETED_SHARE))))
        marked = rng.sample(range(student_count), max(1, int(student_count * MARKED_SHARE)))

        def participant_rows():
            for index, student_id in enumerate(student_ids):
                school = school_of[index]
                yield (routine[school.supervising_office_id], student_id, school.pk, _outcome(rng), 1, 0)
                if index in sample:
                    yield (targeted.pk, student_id, school.pk, _outcome(rng), 1, 0)

        participant_count += copy_rows(Participant, ["check_id", "student_id", "school_id", "status", "phone_attempts", "terminal_attempts"],
                                       participant_rows())  # fmt: skip

        def mark_rows():
            for index in marked:
                yield (student_ids[index], school_of[index].pk, year, month, "leave", "", "", "", "", staff.pk, stamp)

        mark_count += copy_rows(Mark, ["student_id", "school_id", "year", "month", "reason", "note", "attachment_name", "attachment_type",
                                       "attachment_key_id", "marked_by_id", "marked_at"], mark_rows())  # fmt: skip

    analyze()
    return {"students": student_count, "schools": school_count, "offices": 1 + len(cities) + len(counties),
            "checks": check_count, "participants": participant_count, "marks": mark_count}  # fmt: skip


def _outcome(rng: random.Random) -> str:
    draw = rng.random()
    return next(status for share, status in OUTCOMES if draw < share)


if __name__ == "__main__":
    sys.exit(main())
