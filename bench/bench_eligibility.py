"""Benchmark semester eligibility and the region export for a synthetic province on PostgreSQL.

Usage (from the repository root; PostgreSQL only, in an empty database of its own):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aidface_bench_eligibility \\
        .venv/bin/python bench/bench_eligibility.py [--students N]

The province has N students (default 1,000,000) in schools of 1,000, run by the province
(10 %), the cities (30 %) and the counties (60 %) of Henan's real region codes. Each
student has five month results in the spring 2026 semester, for months 2 to 6. The
default routine window has three months, so five rows per student is the heavier case of
a wider local window. The states are drawn at random: 80 % normal, 6 % marked pass, 3 %
forced pass, 6 % failed, 5 % absent. 99 % of the students have an on-time enrolment, 0.5 % a late one, the rest none;
0.1 % are flagged by a confirmed duplicate case. Rows are written with COPY.

Timed, each in a fresh child process whose peak memory (VmHWM, the peak resident set
size) is its own:

- `recompute_eligibility` over every school, which writes one row per student;
- the same again, which must write nothing;
- the eligibility export of the region with the most students (a city with its counties),
  streamed into a write-only .xlsx workbook.

PostgreSQL's own memory is not in the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import datetime

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

MONTHS = (2, 3, 4, 5, 6)
# Cumulative shares of the month states.
STATES = [(0.80, "normal"), (0.86, "marked_pass"), (0.89, "forced_pass"), (0.95, "failed"), (1.0, "absent")]
ON_TIME_SHARE = 0.99
LATE_SHARE = 0.005
DUPLICATE_SHARE = 0.001
# Computed after the spring semester appeal expiry, so every row is final.
RUN_AT = datetime(2026, 7, 2, 9, 0, tzinfo=SHANGHAI)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1_000_000, help="students in the synthetic province")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--region", help=argparse.SUPPRESS)
    arguments = parser.parse_args()

    if not setup_django():
        return 2
    if arguments.step:
        return _run_step(arguments)
    if arguments.region:
        raise SystemExit("--region is only for the export step")

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    counts = _generate(arguments.students)
    print(f"generated {counts} in {time.perf_counter() - started:.0f} s")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")

    baseline = _child(["--step", "baseline"])
    print(f"baseline child process (Django set up, models imported): peak RSS {baseline['peak_mb']:.0f} MB")
    first = _child(["--step", "recompute"])
    print(f"recompute_eligibility: {first['seconds']:.1f} s, {first['students']:,} students, {first['written']:,} rows written, "
          f"{first['cancelled']:,} cancelled, peak RSS {first['peak_mb']:.0f} MB")
    again = _child(["--step", "recompute"])
    print(f"recompute_eligibility again: {again['seconds']:.1f} s, {again['written']:,} rows written, peak RSS {again['peak_mb']:.0f} MB")
    region = _largest_region()
    export = _child(["--step", "export", "--region", region])
    print(f"region export {region}: {export['seconds']:.1f} s, {export['rows']:,} students, {export['bytes'] / 1e6:.1f} MB, "
          f"peak RSS {export['peak_mb']:.0f} MB")
    return 0 if again["written"] == 0 else 1


def _child(step: list[str]) -> dict:
    return run_child(__file__, step)


def _largest_region() -> str:
    """Return the code of the city whose schools (its own and its counties') hold the most students."""
    from django.db.models import Q

    from aidface.org.models import Region
    from aidface.roster.models import Student

    sizes = {
        region.code: Student.objects.filter(Q(school__region_id=region.code) | Q(school__region__parent_id=region.code)).count()
        for region in Region.objects.filter(parent="410000")
    }
    return max(sorted(sizes), key=lambda code: sizes[code])


# --- timed steps (child processes) -----------------------------------------------------


def _run_step(arguments) -> int:
    from aidface.eligibility.services import recompute_eligibility
    from aidface.reports.exports import eligibility_workbook
    from aidface.roster.models import Semester

    semester = Semester.objects.get(year=2026, term="spring")
    started = time.perf_counter()
    if arguments.step == "baseline":
        figures = {}
    elif arguments.step == "recompute":
        summary = recompute_eligibility(semester=semester, now=RUN_AT)
        figures = {"students": summary.students, "written": summary.written, "cancelled": summary.cancelled}
    elif arguments.step == "export":
        from django.db.models import Q

        from aidface.org.models import School

        code = arguments.region
        school_ids = list(
            School.objects.filter(Q(region_id=code) | Q(region__parent_id=code)).values_list("pk", flat=True)
        )
        result = eligibility_workbook(semester=semester, school_ids=school_ids, now=RUN_AT)
        figures = {"rows": result.rows, "bytes": len(result.content)}
    else:
        raise SystemExit(f"unknown step {arguments.step!r}")
    figures["seconds"] = time.perf_counter() - started
    figures["peak_mb"] = peak_rss_mb()
    print(json.dumps(figures))
    return 0


# --- synthetic province ----------------------------------------------------------------


def _generate(student_count: int) -> dict:
    """Write the offices, schools, students, month results, enrolments and fraud flags; return the row counts."""
    from django.utils import timezone

    from aidface.checks.models import MonthResult
    from aidface.duplicates.models import DuplicateCase, FraudFlag
    from aidface.enrolment.models import Enrolment
    from aidface.policy.calendar import Term
    from aidface.roster.services import ensure_semester

    rng = random.Random(20261205)
    stamp = timezone.now().isoformat()
    semester = ensure_semester(year=2026, term=Term.SPRING)
    offices = create_offices()
    province = offices[0]

    school_count = max(1, -(-student_count // STUDENTS_PER_SCHOOL))
    schools = create_schools(rng, school_count, offices=offices, code_prefix="48")
    student_ids, school_of = copy_students(schools, student_count, gender="male", stamp=stamp)

    def result_rows():
        for index, student_id in enumerate(student_ids):
            for month in MONTHS:
                draw = rng.random()
                state = next(name for share, name in STATES if draw < share)
                yield (student_id, school_of[index].pk, semester.pk, 2026, month, state, "", "", "", "", "true", stamp, stamp)

    results = copy_rows(MonthResult, ["student_id", "school_id", "semester_id", "year", "month", "state", "state_before_appeal",
                                      "source", "mark_reason", "appeal_ref", "locked", "locked_at", "computed_at"], result_rows())  # fmt: skip

    on_time = datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI).isoformat()
    late = datetime(2026, 5, 6, 9, 0, tzinfo=SHANGHAI).isoformat()

    def enrolment_rows():
        for index, student_id in enumerate(student_ids):
            draw = rng.random()
            if draw < ON_TIME_SHARE:
                yield (student_id, school_of[index].pk, semester.pk, "enrolled", "false", "false", on_time, on_time, "")
            elif draw < ON_TIME_SHARE + LATE_SHARE:
                yield (student_id, school_of[index].pk, semester.pk, "enrolled", "true", "false", late, late, "")

    enrolments = copy_rows(Enrolment, ["student_id", "school_id", "semester_id", "state", "late", "guardian_consent_required",
                                       "started_at", "completed_at", "card_issuing_authority"], enrolment_rows())  # fmt: skip

    flagged = sorted(rng.sample(range(student_count), max(2, int(student_count * DUPLICATE_SHARE))))
    pairs = list(zip(flagged[0::2], flagged[1::2]))
    cases = DuplicateCase.objects.bulk_create(
        [
            DuplicateCase(student_id=student_ids[second], matched_student_id=student_ids[first], office=province,
                          search_scope="province", distance=0.1, similarity=95, threshold=0.14, model_id="bench", status="confirmed")
            for first, second in pairs
        ],
        batch_size=1000,
    )  # fmt: skip
    FraudFlag.objects.bulk_create(
        [FraudFlag(student_id=student_ids[index], case=case) for case, pair in zip(cases, pairs) for index in pair],
        batch_size=1000,
    )

    analyze()
    return {"students": student_count, "schools": school_count, "month_results": results, "enrolments": enrolments,
            "duplicate_cases": len(cases)}  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
