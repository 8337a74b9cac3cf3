"""Recomputing semester eligibility in bulk (Art. 11) and storing it per student.

`recompute_eligibility` gathers the facts of many students (month result counts,
enrolments, duplicate flags, internships, open appeals) with a fixed number of queries
per chunk of students. It writes only the rows that changed. So a province-wide run
over 1.3 million students needs no query per student.

A row is provisional until the semester appeal window has closed and its decisions are
in: final once `semester_appeal_expires_at` has passed, or earlier, once the window
has closed and no appeal item of that semester is still open for the student.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from aidface.checks.models import NORMAL_ATTENDANCE_STATES, PASSING_STATES, MonthResult
from aidface.eligibility.models import SemesterEligibility
from aidface.eligibility.rules import MIN_PASSING_MONTHS, EnrolmentFact, StudentFacts, decide
from aidface.org.models import School
from aidface.policy.calendar import SemesterCalendar, Term, local_day, semester_calendar
from aidface.policy.selectors import effective_policy_for_office
from aidface.policy.values import Policy
from aidface.roster.models import AidStatus, Semester, Student

logger = logging.getLogger(__name__)

# Students handled per chunk: each chunk costs a fixed number of queries, and the id
# list stays below SQLite's limit of variables per statement.
STUDENTS_PER_CHUNK = 5000
# From this many listed students on, recompute_eligibility works school by school instead.
SCHOOL_MODE_FROM = 4 * STUDENTS_PER_CHUNK


@dataclass
class RecomputeSummary:
    """Counts of one run: students computed, rows written, and the outcome per reason."""

    students: int = 0
    written: int = 0
    eligible: int = 0
    cancelled: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _SchoolCalendar:
    policy: Policy
    calendar: SemesterCalendar


class _Calendars:
    """Effective policy and semester calendar per supervising office, resolved once per run."""

    def __init__(self, semester: Semester) -> None:
        self.semester = semester
        self._by_office: dict[int, _SchoolCalendar] = {}
        self._office_of: dict[int, int] = {}

    def load(self, school_ids: Iterable[int]) -> None:
        missing = [pk for pk in school_ids if pk not in self._office_of]
        if not missing:
            return
        for school in School.objects.filter(pk__in=missing).select_related("supervising_office"):
            self._office_of[school.pk] = school.supervising_office_id
            if school.supervising_office_id not in self._by_office:
                policy = effective_policy_for_office(school.supervising_office)
                calendar = semester_calendar(policy, self.semester.year, Term(self.semester.term))
                self._by_office[school.supervising_office_id] = _SchoolCalendar(policy, calendar)

    def of(self, school_id: int) -> _SchoolCalendar:
        return self._by_office[self._office_of[school_id]]


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------------------
# Which students


def _students_of_schools(semester: Semester, school_ids: Sequence[int]) -> dict[int, int]:
    """Return {student id: school id}: the aid students of the schools and everybody with a month result there."""
    students = dict(
        Student.objects.filter(school_id__in=school_ids, aid_status__in=[AidStatus.AIDED, AidStatus.PROPOSED])
        .values_list("pk", "school_id")
        .order_by("pk")
    )
    with_results = (
        Student.objects.filter(school_id__in=school_ids, month_results__semester=semester)
        .exclude(aid_status__in=[AidStatus.AIDED, AidStatus.PROPOSED])
        .values_list("pk", "school_id")
        .distinct()
    )
    students.update(with_results)
    return students


def _school_batches(school_ids: Sequence[int]) -> list[list[int]]:
    """Group schools, in order, into batches of about STUDENTS_PER_CHUNK students (a large school forms its own batch)."""
    sizes = dict(
        Student.objects.filter(school_id__in=school_ids).values("school_id").annotate(count=Count("pk")).values_list("school_id", "count")
    )
    batches: list[list[int]] = []
    current: list[int] = []
    size = 0
    for school_id in school_ids:
        if current and size + sizes.get(school_id, 0) > STUDENTS_PER_CHUNK:
            batches.append(current)
            current, size = [], 0
        current.append(school_id)
        size += sizes.get(school_id, 0)
    if current:
        batches.append(current)
    return batches


def _students_by_id(student_ids: Sequence[int], school_ids: Sequence[int] | None) -> dict[int, int]:
    students: dict[int, int] = {}
    for chunk in _chunks(sorted(set(student_ids)), STUDENTS_PER_CHUNK):
        queryset = Student.objects.filter(pk__in=list(chunk))
        if school_ids is not None:
            queryset = queryset.filter(school_id__in=school_ids)
        students.update(queryset.values_list("pk", "school_id"))
    return students


# ---------------------------------------------------------------------------
# Facts of one chunk of students


@dataclass(frozen=True)
class _Chunk:
    """The students of one chunk, and how its queries select them.

    With `school_ids` the chunk is every relevant student of those schools, and queries
    filter on the student's school: a short parameter list instead of thousands of ids,
    which PostgreSQL's client library would otherwise spend most of a run converting.
    """

    students: dict[int, int]
    school_ids: list[int] | None = None

    def where(self, relation: str = "student") -> Q:
        if self.school_ids is not None:
            return Q(**{f"{relation}__school_id__in": self.school_ids})
        return Q(**{f"{relation}_id__in": list(self.students)})


def _month_counts(semester: Semester, chunk: _Chunk) -> dict[int, tuple[int, int]]:
    rows = (
        MonthResult.objects.filter(chunk.where(), semester=semester)
        .values("student_id")
        .annotate(
            passing=Count("pk", filter=Q(state__in=[str(state) for state in PASSING_STATES])),
            normal=Count("pk", filter=Q(state__in=[str(state) for state in NORMAL_ATTENDANCE_STATES])),
        )
        .values_list("student_id", "passing", "normal")
    )
    return {student_id: (passing, normal) for student_id, passing, normal in rows}


def _enrolments(chunk: _Chunk) -> dict[int, EnrolmentFact]:
    from aidface.enrolment.models import FINISHED_STATES, Enrolment, EnrolmentState

    facts: dict[int, EnrolmentFact] = {}
    rows = (
        Enrolment.objects.filter(chunk.where())
        .exclude(state=EnrolmentState.RESET)
        .values_list("student_id", "state", "completed_at", "started_at")
    )
    for student_id, state, completed_at, started_at in rows:
        finished = state in FINISHED_STATES
        facts[student_id] = EnrolmentFact(finished=finished, completed_at=(completed_at or started_at) if finished else None)
    return facts


def _duplicates(chunk: _Chunk) -> set[int]:
    """Students of a confirmed duplicate case (either side of it), or whose enrolment ended as duplicate_fraud."""
    from aidface.duplicates.models import CaseStatus, DuplicateCase, FraudFlag
    from aidface.enrolment.models import Enrolment, EnrolmentState

    flagged = set(FraudFlag.objects.filter(chunk.where()).values_list("student_id", flat=True))
    confirmed = DuplicateCase.objects.filter(status=CaseStatus.CONFIRMED)
    flagged.update(confirmed.filter(chunk.where()).values_list("student_id", flat=True))
    flagged.update(confirmed.filter(chunk.where("matched_student")).values_list("matched_student_id", flat=True))
    flagged.update(
        Enrolment.objects.filter(chunk.where(), state=EnrolmentState.DUPLICATE_FRAUD).values_list("student_id", flat=True)
    )
    return flagged


def _internships(ids: list[int]) -> dict[int, list[tuple]]:
    from aidface.internships.selectors import internship_periods

    return {
        student_id: [(first, last) for first, last, _record_id in periods]
        for student_id, periods in internship_periods(student_ids=ids).items()
    }


def _open_appeal_students(semester: Semester, chunk: _Chunk, now: datetime) -> set[int]:
    """Students with an appeal item of this semester that may still be decided at `now`."""
    from aidface.appeals.models import AppealItem, AppealState, ItemDecision

    still_open = Q(appeal__state=AppealState.FILED, appeal__expires_at__gt=now) | Q(
        appeal__state=AppealState.AWAITING_SIGNATURE, appeal__window_last_day__gte=local_day(now)
    )
    return set(
        AppealItem.objects.filter(still_open, chunk.where(), appeal__semester=semester, decision=ItemDecision.PENDING)
        .values_list("student_id", flat=True)
    )


def _existing(semester: Semester, chunk: _Chunk) -> dict[int, tuple]:
    rows = SemesterEligibility.objects.filter(chunk.where(), semester=semester).values_list(
        "student_id", "school_id", "eligible", "reasons", "passing_months", "normal_months",
        "internship_whole_period", "final", "final_from",
    )
    return {student_id: tuple(rest) for student_id, *rest in rows}


def _lacks_attendance(count: tuple[int, int]) -> bool:
    passing, normal = count
    return passing < MIN_PASSING_MONTHS or normal < 1


def _recompute_chunk(semester: Semester, chunk: _Chunk, calendars: _Calendars, now: datetime, summary: RecomputeSummary) -> None:
    students = chunk.students
    calendars.load(set(students.values()))
    counts = _month_counts(semester, chunk)
    enrolments = _enrolments(chunk)
    duplicates = _duplicates(chunk)
    # Internships matter only for students the attendance rules would cancel.
    lacking = [pk for pk in students if _lacks_attendance(counts.get(pk, (0, 0)))]
    internships = _internships(lacking) if lacking else {}
    window_closed = any(
        now >= calendars.of(school_id).calendar.semester_appeal_window.ends_at for school_id in set(students.values())
    )
    open_appeals = _open_appeal_students(semester, chunk, now) if window_closed else set()
    existing = _existing(semester, chunk)

    rows: list[SemesterEligibility] = []
    for student_id, school_id in students.items():
        school_calendar = calendars.of(school_id)
        calendar = school_calendar.calendar
        passing, normal = counts.get(student_id, (0, 0))
        decision = decide(
            StudentFacts(
                passing_months=passing,
                normal_months=normal,
                enrolment=enrolments.get(student_id),
                duplicate_confirmed=student_id in duplicates,
                internships=internships.get(student_id, ()),
            ),
            calendar=calendar,
            policy=school_calendar.policy,
        )
        final_from = calendar.semester_appeal_expires_at
        final = now >= final_from or (
            now >= calendar.semester_appeal_window.ends_at and student_id not in open_appeals
        )
        values = (
            school_id, decision.eligible, list(decision.reasons), passing, normal,
            decision.internship_whole_period, final, final_from,
        )
        summary.students += 1
        if decision.eligible:
            summary.eligible += 1
        else:
            summary.cancelled += 1
            for code in decision.reasons:
                summary.by_reason[code] = summary.by_reason.get(code, 0) + 1
        if existing.get(student_id) == values:
            continue
        rows.append(
            SemesterEligibility(
                student_id=student_id,
                semester=semester,
                school_id=school_id,
                eligible=decision.eligible,
                reasons=list(decision.reasons),
                passing_months=passing,
                normal_months=normal,
                internship_whole_period=decision.internship_whole_period,
                final=final,
                final_from=final_from,
                computed_at=now,
            )
        )

    if rows:
        SemesterEligibility.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["student", "semester"],
            update_fields=[
                "school", "eligible", "reasons", "passing_months", "normal_months",
                "internship_whole_period", "final", "final_from", "computed_at",
            ],
        )
    summary.written += len(rows)


def recompute_eligibility(
    *,
    semester: Semester,
    student_ids: Iterable[int] | None = None,
    school_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> RecomputeSummary:
    """Recompute and store the semester's eligibility of the given students or schools (both None: everybody).

    With `student_ids`, only those students (narrowed to `school_ids` when given); a list
    longer than SCHOOL_MODE_FROM recomputes their whole schools instead. Otherwise every
    aid student of the schools, and every other student with a month result of the
    semester there. Rows that did not change are not written.
    """
    now = now or timezone.now()
    calendars = _Calendars(semester)
    summary = RecomputeSummary()
    school_list = None if school_ids is None else sorted(set(school_ids))

    students = None
    if student_ids is not None:
        students = _students_by_id(list(student_ids), school_list)
        if len(students) > SCHOOL_MODE_FROM:
            # A long list (a month lock sends every student it changed) is cheaper to
            # recompute school by school, which also covers the other students of those schools.
            school_list = sorted(set(students.values()))
            students = None

    if students is not None:
        for part in _chunks(list(students.items()), STUDENTS_PER_CHUNK):
            with transaction.atomic():
                _recompute_chunk(semester, _Chunk(students=dict(part)), calendars, now, summary)
    else:
        if school_list is None:
            school_list = list(School.objects.order_by("pk").values_list("pk", flat=True))
        for batch in _school_batches(school_list):
            students = _students_of_schools(semester, batch)
            if students:
                with transaction.atomic():
                    _recompute_chunk(semester, _Chunk(students=students, school_ids=batch), calendars, now, summary)

    logger.info(
        "eligibility recomputed semester=%s students=%s written=%s eligible=%s cancelled=%s",
        semester.pk, summary.students, summary.written, summary.eligible, summary.cancelled,
    )
    return summary


def recompute_for_students(
    *, student_ids: Iterable[int], semester_id: int | None = None, now: datetime | None = None
) -> None:
    """Recompute the students in every semester they have a row for, and in `semester_id` if given.

    Used after a change that is not tied to one semester: an enrolment or a duplicate case.
    """
    ids = sorted(set(student_ids))
    if not ids:
        return
    by_semester: dict[int, set[int]] = defaultdict(set)
    if semester_id is not None:
        by_semester[semester_id].update(ids)
    for chunk in _chunks(ids, STUDENTS_PER_CHUNK):
        for student_id, semester_id in SemesterEligibility.objects.filter(student_id__in=list(chunk)).values_list(
            "student_id", "semester_id"
        ):
            by_semester[semester_id].add(student_id)
    for semester in Semester.objects.filter(pk__in=list(by_semester)):
        recompute_eligibility(semester=semester, student_ids=by_semester[semester.pk], now=now)
