"""Month results (Art. 11–14, 17): computing, storing, locking and appeals.

`compute_month_state` is the rule: it takes one student's inputs for one month and
returns the month state (`MonthState`), with no database access. `recompute_month` gathers
those inputs for many students with a fixed number of queries per batch of schools and
stores the results with one upsert per batch. `lock_due_months` computes the final
results of every month whose lock moment has passed and locks them. A locked month
accepts only `apply_appeal` and a forced pass rejected by the office's review.

Only months of the semester's routine window have results. A month whose results are
final (`locking.results_final_at`) or whose row is locked is not recomputed, except for
a forced pass that the office's review rejected (`recompute_for_participant`). No
recompute changes an approved appeal (state appeal_normal with `appeal_ref`).
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from aidface.checks import locking
from aidface.checks.models import (
    Check,
    CheckKind,
    CheckSchool,
    ForcedPassReview,
    Mark,
    MarkReason,
    MonthResult,
    MonthState,
    NORMAL_ATTENDANCE_STATES,
    Participant,
    ParticipantStatus,
    ReviewState,
)
from aidface.checks.signals import month_results_changed
from aidface.org.models import School
from aidface.policy.calendar import (
    SHANGHAI,
    Term,
    first_day_of_next_month,
    semester_calendar,
    semester_of_day,
)
from aidface.policy.selectors import effective_policy_for_office
from aidface.policy.values import Policy
from aidface.roster.models import AidStatus, Semester, Student

logger = logging.getLogger(__name__)

# Schools per batch of recompute_month. Each batch costs a fixed number of queries, and
# at about 1,600 students per school (1.3 million in some 800 schools, an estimate) a
# batch of 20 schools has some 30,000 students in memory.
SCHOOLS_PER_BATCH = 20
# Maximum number of ids in one `IN (...)` filter, below SQLite's default limit of 32,766 variables.
IDS_PER_QUERY = 5000

# Rank of each participation outcome when a month takes the best routine result.
_RANK = {
    MonthState.NORMAL: 3,
    MonthState.FORCED_PASS: 2,
    MonthState.FAILED: 1,
    MonthState.ABSENT: 0,
}


# ---------------------------------------------------------------------------
# The rule


@dataclass(frozen=True)
class Participation:
    """One participant row of a student in a check of the month, as the rule needs it."""

    check_id: int
    kind: str
    status: str
    starts_at: datetime
    # True when the office's review turned the forced pass into a failure.
    forced_pass_rejected: bool = False

    @property
    def state(self) -> str:
        """Return the month state this participation alone gives.

        A participant still pending counts as absent: after the check closed that is
        final, and while it is open the month is recomputed at the next attempt.
        """
        if self.status == ParticipantStatus.PASSED:
            return MonthState.NORMAL
        if self.status == ParticipantStatus.FORCED_PASS:
            return MonthState.FAILED if self.forced_pass_rejected else MonthState.FORCED_PASS
        if self.status == ParticipantStatus.FAILED:
            return MonthState.FAILED
        return MonthState.ABSENT

    @property
    def source(self) -> str:
        return f"{self.kind}:{self.check_id}"


@dataclass(frozen=True)
class ActiveMark:
    mark_id: int
    reason: str


@dataclass(frozen=True)
class InternshipPeriod:
    """A filed and confirmed internship, both days inclusive."""

    first_day: date
    last_day: date
    record_id: int


@dataclass(frozen=True)
class MonthOutcome:
    state: str
    source: str = ""
    mark_reason: str = ""


def _latest(participations: Sequence[Participation]) -> Participation:
    return max(participations, key=lambda item: (item.starts_at, item.check_id))


def month_fully_inside(period: InternshipPeriod, year: int, month: int) -> bool:
    """Return whether every day of the month lies in the internship period."""
    first = date(year, month, 1)
    last = first_day_of_next_month(year, month) - timedelta(days=1)
    return period.first_day <= first and last <= period.last_day


def compute_month_state(
    *,
    year: int,
    month: int,
    participations: Sequence[Participation],
    mark: ActiveMark | None,
    internships: Sequence[InternshipPeriod],
    policy: Policy,
) -> MonthOutcome:
    """Compute one student's month state from the month's inputs.

    - Routine checks: the best result (normal > forced_pass > failed > absent), or
      the latest when `policy.month_takes_best_routine_result` is off.
    - Targeted checks: the latest targeted result replaces the routine result when
      `policy.targeted_overrides_routine` is on. Callers do not recompute a locked
      month (a rejected forced pass aside), so the override applies only while the
      month is unlocked.
    - A state that is not normal attendance becomes marked_pass with an active mark,
      or with an internship covering the whole month when
      `policy.internship_month_counts_as_passing` is on.
    - No check, mark or internship: not_required.

    An approved appeal is not an input: the caller keeps such a result unchanged.
    """
    routine = [item for item in participations if item.kind == CheckKind.ROUTINE]
    targeted = [item for item in participations if item.kind == CheckKind.TARGETED]

    outcome: MonthOutcome | None = None
    if routine:
        if policy.month_takes_best_routine_result:
            # Among equal ranks the latest check decides the source.
            chosen = max(routine, key=lambda item: (_RANK[item.state], item.starts_at, item.check_id))
        else:
            chosen = _latest(routine)
        outcome = MonthOutcome(state=chosen.state, source=chosen.source)
    if targeted and (outcome is None or policy.targeted_overrides_routine):
        chosen = _latest(targeted)
        outcome = MonthOutcome(state=chosen.state, source=chosen.source)

    if outcome is not None and outcome.state in NORMAL_ATTENDANCE_STATES:
        return outcome

    if mark is not None:
        return MonthOutcome(state=MonthState.MARKED_PASS, source=f"mark:{mark.mark_id}", mark_reason=mark.reason)

    if policy.internship_month_counts_as_passing:
        for period in sorted(internships, key=lambda item: (item.first_day, item.record_id)):
            if month_fully_inside(period, year, month):
                return MonthOutcome(
                    state=MonthState.MARKED_PASS,
                    source=f"internship:{period.record_id}",
                    mark_reason=MarkReason.INTERNSHIP,
                )

    return outcome or MonthOutcome(state=MonthState.NOT_REQUIRED)


# ---------------------------------------------------------------------------
# Which schools and months have results


@dataclass(frozen=True)
class SchoolMonth:
    """A school's facts for one month: its policy, whether the month is in its routine window, and its lock moment."""

    school_id: int
    policy: Policy
    in_routine_window: bool
    locks_at: datetime


class _PolicyCache:
    """Effective policies per supervising office, so a province-wide run resolves each office once."""

    def __init__(self) -> None:
        self._by_office: dict[int, Policy] = {}

    def for_school(self, school: School) -> Policy:
        office_id = school.supervising_office_id
        if office_id not in self._by_office:
            self._by_office[office_id] = effective_policy_for_office(school.supervising_office)
        return self._by_office[office_id]


def _term_of(year: int, month: int) -> Term:
    return semester_of_day(date(year, month, 1))[1]


def in_routine_window(policy: Policy, year: int, month: int) -> bool:
    """Return whether the month is one of its semester's routine-window months under the policy."""
    calendar = semester_calendar(policy, year, _term_of(year, month))
    return any(item.month == month for item in calendar.months)


def _semester_for(year: int, month: int) -> Semester:
    from aidface.roster.services import ensure_semester

    return ensure_semester(year=year, term=_term_of(year, month))


def _school_months(schools: Iterable[School], year: int, month: int, policies: _PolicyCache) -> list[SchoolMonth]:
    result = []
    for school in schools:
        policy = policies.for_school(school)
        result.append(
            SchoolMonth(
                school_id=school.pk,
                policy=policy,
                in_routine_window=in_routine_window(policy, year, month),
                locks_at=locking.locks_at(year=year, month=month, policy=policy),
            )
        )
    return result


def _final_moments(school_months: Sequence[SchoolMonth], year: int, month: int) -> dict[int, datetime]:
    """Return, per school, the moment its month's results become final (see `locking.results_final_at`)."""
    by_school = {item.school_id: item for item in school_months}
    final = {school_id: item.locks_at for school_id, item in by_school.items()}
    rows = CheckSchool.objects.filter(
        school_id__in=list(by_school),
        check_record__year=year,
        check_record__month=month,
        check_record__cancelled_at__isnull=True,
    ).values_list("school_id", "check_record__starts_at", "check_record__ends_at")
    for school_id, starts_at, ends_at in rows:
        if starts_at < by_school[school_id].locks_at and ends_at > final[school_id]:
            final[school_id] = ends_at
    return final


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------------------
# Gathering the inputs of many students


def _students_of(school_ids: Sequence[int], year: int, month: int, student_ids: Sequence[int] | None) -> dict[int, int]:
    """Return {student id: school id} of the aid students of the schools and of everybody checked or marked that month."""
    in_month = Q(
        check_participations__check_record__year=year,
        check_participations__check_record__month=month,
        check_participations__check_record__cancelled_at__isnull=True,
    ) | Q(marks__year=year, marks__month=month, marks__withdrawn_at__isnull=True)
    queryset = Student.objects.filter(school_id__in=school_ids)
    if student_ids is not None:
        queryset = queryset.filter(pk__in=student_ids)
    aid = queryset.filter(aid_status__in=[AidStatus.AIDED, AidStatus.PROPOSED]).values_list("pk", "school_id")
    students = dict(aid)
    others = queryset.exclude(aid_status__in=[AidStatus.AIDED, AidStatus.PROPOSED]).filter(in_month)
    students.update(others.values_list("pk", "school_id").distinct())
    return students


def _participations(school_ids: Sequence[int], year: int, month: int, student_ids: Sequence[int] | None) -> dict[int, list[Participation]]:
    participants = Participant.objects.filter(
        student__school_id__in=school_ids,
        check_record__year=year,
        check_record__month=month,
        check_record__cancelled_at__isnull=True,
    )
    reviews = ForcedPassReview.objects.filter(
        participant__student__school_id__in=school_ids,
        participant__check_record__year=year,
        participant__check_record__month=month,
        state=ReviewState.FAILED,
    )
    if student_ids is not None:
        participants = participants.filter(student_id__in=student_ids)
        reviews = reviews.filter(participant__student_id__in=student_ids)
    rejected = set(reviews.values_list("participant_id", flat=True))
    result: dict[int, list[Participation]] = defaultdict(list)
    rows = participants.values_list("pk", "student_id", "status", "check_record_id", "check_record__kind", "check_record__starts_at")
    for participant_id, student_id, status, check_id, kind, starts_at in rows:
        result[student_id].append(
            Participation(
                check_id=check_id,
                kind=kind,
                status=status,
                starts_at=starts_at,
                forced_pass_rejected=participant_id in rejected,
            )
        )
    return result


def _marks(school_ids: Sequence[int], year: int, month: int, student_ids: Sequence[int] | None) -> dict[int, ActiveMark]:
    marks = Mark.objects.filter(student__school_id__in=school_ids, year=year, month=month, withdrawn_at__isnull=True)
    if student_ids is not None:
        marks = marks.filter(student_id__in=student_ids)
    return {student_id: ActiveMark(mark_id=pk, reason=reason) for pk, student_id, reason in marks.values_list("pk", "student_id", "reason")}


def _internships(student_ids: Sequence[int]) -> dict[int, list[InternshipPeriod]]:
    # Imported here because the internships app builds on the checks app.
    from aidface.internships.selectors import internship_periods

    result: dict[int, list[InternshipPeriod]] = {}
    for chunk in _chunks(list(student_ids), IDS_PER_QUERY):
        for student_id, periods in internship_periods(student_ids=list(chunk)).items():
            result[student_id] = [InternshipPeriod(first, last, record_id) for first, last, record_id in periods]
    return result


@dataclass(frozen=True)
class _Existing:
    state: str
    source: str
    mark_reason: str
    school_id: int
    semester_id: int
    locked: bool
    appeal_ref: str


def _existing(student_ids: Sequence[int], year: int, month: int) -> dict[int, _Existing]:
    result = {}
    for chunk in _chunks(list(student_ids), IDS_PER_QUERY):
        rows = MonthResult.objects.filter(student_id__in=list(chunk), year=year, month=month).values_list(
            "student_id", "state", "source", "mark_reason", "school_id", "semester_id", "locked", "appeal_ref"
        )
        for student_id, *fields in rows:
            result[student_id] = _Existing(*fields)
    return result


def _is_kept(existing: _Existing | None, *, ignore_lock: bool = False) -> bool:
    """Return whether a stored result must stay as it is: locked, or changed by an approved appeal."""
    if existing is None:
        return False
    if existing.state == MonthState.APPEAL_NORMAL and existing.appeal_ref:
        return True
    return existing.locked and not ignore_lock


# ---------------------------------------------------------------------------
# Recomputing


def _recompute_batch(
    school_months: Sequence[SchoolMonth],
    *,
    year: int,
    month: int,
    student_ids: Sequence[int] | None,
    semester: Semester,
    now: datetime,
    ignore_lock: bool = False,
) -> list[int]:
    """Recompute and store the results of the batch's schools; return the ids of the students whose result changed.

    The upsert leaves `locked` and `locked_at` as they are, so with `ignore_lock` a
    locked row gets its new state and stays locked.
    """
    policies = {item.school_id: item.policy for item in school_months}
    locks_at = {item.school_id: item.locks_at for item in school_months}
    school_ids = list(policies)
    students = _students_of(school_ids, year, month, student_ids)
    if not students:
        return []
    participations = _participations(school_ids, year, month, student_ids)
    marks = _marks(school_ids, year, month, student_ids)
    internships = _internships(list(students))
    existing = _existing(list(students), year, month)

    rows = []
    for student_id, school_id in students.items():
        stored = existing.get(student_id)
        if _is_kept(stored, ignore_lock=ignore_lock):
            continue
        outcome = compute_month_state(
            year=year,
            month=month,
            # A check started after the lock moment (a targeted check on 12-17 when December
            # locks after the 15th) belongs to a locked month and changes nothing.
            participations=[item for item in participations.get(student_id, ()) if item.starts_at < locks_at[school_id]],
            mark=marks.get(student_id),
            internships=internships.get(student_id, ()),
            policy=policies[school_id],
        )
        if stored is not None and (stored.state, stored.source, stored.mark_reason, stored.school_id, stored.semester_id) == (
            outcome.state,
            outcome.source,
            outcome.mark_reason,
            school_id,
            semester.pk,
        ):
            continue
        rows.append(
            MonthResult(
                student_id=student_id,
                school_id=school_id,
                semester=semester,
                year=year,
                month=month,
                state=outcome.state,
                source=outcome.source,
                mark_reason=outcome.mark_reason,
                computed_at=now,
            )
        )

    if rows:
        MonthResult.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["student", "year", "month"],
            update_fields=["school", "semester", "state", "source", "mark_reason", "computed_at"],
        )
    return [row.student_id for row in rows]


def _recompute(
    schools: Sequence[School],
    *,
    year: int,
    month: int,
    student_ids: Sequence[int] | None,
    now: datetime,
    finalising: bool,
    policies: _PolicyCache,
    ignore_lock: bool = False,
) -> list[int]:
    school_months = [item for item in _school_months(schools, year, month, policies) if item.in_routine_window]
    if not school_months:
        return []
    if not finalising:
        final = _final_moments(school_months, year, month)
        school_months = [item for item in school_months if now < final[item.school_id]]
    semester = _semester_for(year, month)

    changed: list[int] = []
    for batch in _chunks(school_months, SCHOOLS_PER_BATCH):
        with transaction.atomic():
            changed.extend(
                _recompute_batch(
                    batch, year=year, month=month, student_ids=student_ids, semester=semester, now=now, ignore_lock=ignore_lock
                )
            )
    return changed


def _send_changed(semester_id: int, student_ids: list[int]) -> None:
    if student_ids:
        month_results_changed.send(sender=MonthResult, semester_id=semester_id, student_ids=student_ids)


def recompute_month(
    *,
    school_ids: list[int] | None,
    year: int,
    month: int,
    student_ids: list[int] | None = None,
    now: datetime | None = None,
) -> int:
    """Recompute the month's results of the schools (None: every school) and return how many changed.

    `student_ids` narrows the run to those students. Schools whose month is outside
    their routine window, or whose results are already final, are skipped. Sends
    `month_results_changed` with the students whose result changed.
    """
    now = now or timezone.now()
    schools = School.objects.select_related("supervising_office").order_by("pk")
    if school_ids is not None:
        schools = schools.filter(pk__in=school_ids)
    changed = _recompute(
        list(schools), year=year, month=month, student_ids=student_ids, now=now, finalising=False, policies=_PolicyCache()
    )
    if changed:
        _send_changed(_semester_for(year, month).pk, changed)
    logger.info("month results recomputed year=%s month=%s schools=%s changed=%s", year, month,
                "all" if school_ids is None else len(school_ids), len(changed))
    return len(changed)


def recompute_for_participant(participant: Participant, *, now: datetime | None = None) -> None:
    """Recompute the month result of a participant's student for the month of the participant's check.

    A forced pass that the office's review turned into a failure changes the month even
    after the lock, because the review is due only at the end of the month's appeal
    window. Like an approved appeal, it is a decision the lock does not stop. An
    approved appeal still stands.
    """
    check: Check = participant.check_record
    student_school_id = Student.objects.filter(pk=participant.student_id).values_list("school_id", flat=True).get()
    rejected = ForcedPassReview.objects.filter(participant=participant, state=ReviewState.FAILED).exists()
    if not rejected:
        recompute_month(
            school_ids=[student_school_id],
            year=check.year,
            month=check.month,
            student_ids=[participant.student_id],
            now=now,
        )
        return

    now = now or timezone.now()
    schools = list(School.objects.select_related("supervising_office").filter(pk=student_school_id))
    changed = _recompute(
        schools,
        year=check.year,
        month=check.month,
        student_ids=[participant.student_id],
        now=now,
        finalising=True,
        policies=_PolicyCache(),
        ignore_lock=True,
    )
    if changed:
        _send_changed(_semester_for(check.year, check.month).pk, changed)
    logger.info("month result recomputed after a rejected forced pass participant=%s changed=%s", participant.pk, len(changed))


def recompute_for_student(*, student: Student, year: int, month: int, now: datetime | None = None) -> int:
    """Recompute one student's result of one month (after a mark or its withdrawal)."""
    return recompute_month(school_ids=[student.school_id], year=year, month=month, student_ids=[student.pk], now=now)


# ---------------------------------------------------------------------------
# Locking


def _candidate_months(now: datetime) -> list[tuple[int, int]]:
    """Return the months lock_due_months looks at.

    Those are the months with unlocked rows, and the months of the last twelve that are
    not earlier than the first check ever launched (before it the system was not in use).
    """
    months = set(MonthResult.objects.filter(locked=False).values_list("year", "month").distinct())
    first_check = Check.objects.order_by("year", "month").values_list("year", "month").first()
    if first_check is None:
        return sorted(months)
    today = timezone.localdate(now, timezone=SHANGHAI)
    for offset in range(12):
        total = today.year * 12 + today.month - 1 - offset
        candidate = (total // 12, total % 12 + 1)
        if candidate >= tuple(first_check):
            months.add(candidate)
    return sorted(months)


@dataclass(frozen=True)
class MonthLock:
    """Counts of one lock run for one month: schools, rows locked and rows changed."""

    year: int
    month: int
    schools: int
    locked: int
    changed: int


def lock_due_months(*, now: datetime | None = None) -> int:
    """Compute the final results of every month due to lock, lock them, and return how many rows were locked.

    A school's month is due once `locking.results_final_at` has passed: its lock moment
    (month end, December after `policy.december_lock_day`) or, later, the end of a
    check of that month still open at that moment. Pending participants of the closed
    checks count as absent. Running it again locks nothing new.
    """
    return sum(item.locked for item in lock_due_months_by_month(now=now))


def lock_due_months_by_month(*, now: datetime | None = None) -> list[MonthLock]:
    """Do the work of `lock_due_months` and return the figures per month, for the management command."""
    from aidface.audit.services import record

    now = now or timezone.now()
    policies = _PolicyCache()
    all_schools = list(School.objects.select_related("supervising_office").order_by("pk"))
    schools_by_id = {school.pk: school for school in all_schools}
    done: list[MonthLock] = []
    for year, month in _candidate_months(now):
        school_months = [item for item in _school_months(all_schools, year, month, policies) if item.in_routine_window]
        if not school_months:
            continue
        final = _final_moments(school_months, year, month)
        due = [item.school_id for item in school_months if now >= final[item.school_id]]
        if not due:
            continue
        counts = {
            row["school_id"]: (row["total"], row["unlocked"])
            for row in MonthResult.objects.filter(year=year, month=month)
            .values("school_id")
            .annotate(total=Count("pk"), unlocked=Count("pk", filter=Q(locked=False)))
        }
        # A school is done once all its rows are locked. A school without rows is computed
        # only when it has students, so schools with an empty roster are not revisited.
        without_rows = [school_id for school_id in due if school_id not in counts]
        with_students = set(
            Student.objects.filter(school_id__in=without_rows).values_list("school_id", flat=True).distinct()
        )
        pending = [
            school_id
            for school_id in due
            if (school_id in counts and counts[school_id][1] > 0) or school_id in with_students
        ]
        if not pending:
            continue

        schools = [schools_by_id[school_id] for school_id in pending]
        changed = _recompute(schools, year=year, month=month, student_ids=None, now=now, finalising=True, policies=policies)
        with transaction.atomic():
            locked = MonthResult.objects.filter(school_id__in=pending, year=year, month=month, locked=False).update(
                locked=True, locked_at=now
            )
            if not locked:
                continue
            record(
                user=None,
                action="month_result.lock",
                target_repr=f"{year}年{month}月",
                detail={"year": year, "month": month, "schools": len(pending), "locked": locked, "changed": len(changed)},
            )
        if changed:
            _send_changed(_semester_for(year, month).pk, changed)
        logger.info(
            "month results locked year=%s month=%s schools=%s rows=%s changed_on_lock=%s",
            year, month, len(pending), locked, len(changed),
        )
        done.append(MonthLock(year=year, month=month, schools=len(pending), locked=locked, changed=len(changed)))
    return done


# ---------------------------------------------------------------------------
# Appeals


def apply_appeal(
    *,
    student_ids: list[int],
    year: int,
    month: int,
    appeal_ref: str,
    user,
    now: datetime | None = None,
) -> int:
    """Set the students' month results to appeal_normal for an approved appeal and return how many changed.

    Allowed on locked months: it is the only change a locked month accepts. The state
    before the appeal is kept in `state_before_appeal`. A student without a stored
    result gets one (computed first, so the previous state is recorded). The caller
    records the audit entry in its own transaction; `user` is the deciding officer.
    """
    if not appeal_ref:
        raise ValueError("appeal_ref must name the approved appeal")
    now = now or timezone.now()
    semester = _semester_for(year, month)
    student_ids = sorted(set(student_ids))
    changed: list[int] = []
    with transaction.atomic():
        students = dict(Student.objects.filter(pk__in=student_ids).values_list("pk", "school_id"))
        existing = {
            result.student_id: result
            for result in MonthResult.objects.select_for_update().filter(student_id__in=student_ids, year=year, month=month)
        }
        missing = [student_id for student_id in student_ids if student_id not in existing and student_id in students]
        if missing:
            _fill_missing(missing, students, year=year, month=month, semester=semester, now=now)
            existing.update(
                (result.student_id, result)
                for result in MonthResult.objects.select_for_update().filter(student_id__in=missing, year=year, month=month)
            )
        updates = []
        for student_id in student_ids:
            result = existing.get(student_id)
            if result is None and student_id in students:
                # A student outside every check and not an aid student gets no computed row.
                result = MonthResult(student_id=student_id, school_id=students[student_id], semester=semester,
                                     year=year, month=month, state=MonthState.NOT_REQUIRED, computed_at=now)
            if result is None:
                continue
            if result.state == MonthState.APPEAL_NORMAL and result.appeal_ref == appeal_ref:
                continue
            if result.state != MonthState.APPEAL_NORMAL:
                result.state_before_appeal = result.state
            result.state = MonthState.APPEAL_NORMAL
            result.source = f"appeal:{appeal_ref}"[:64]
            result.appeal_ref = appeal_ref
            result.computed_at = now
            updates.append(result)
            changed.append(student_id)
        created = [result for result in updates if result.pk is None]
        stored = [result for result in updates if result.pk is not None]
        MonthResult.objects.bulk_create(created, batch_size=500)
        MonthResult.objects.bulk_update(
            stored,
            ["state", "state_before_appeal", "source", "appeal_ref", "computed_at"],
            batch_size=500,
        )
    _send_changed(semester.pk, changed)
    logger.info("appeal applied year=%s month=%s appeal=%s changed=%s by user=%s", year, month, appeal_ref, len(changed),
                getattr(user, "pk", None))
    return len(changed)


def _fill_missing(student_ids: list[int], students: dict[int, int], *, year: int, month: int, semester: Semester, now: datetime) -> None:
    """Store a computed result for students who have none yet, ignoring the lock, so an appeal has a previous state."""
    school_ids = sorted({students[student_id] for student_id in student_ids})
    policies = _PolicyCache()
    schools = list(School.objects.select_related("supervising_office").filter(pk__in=school_ids))
    school_months = _school_months(schools, year, month, policies)
    for batch in _chunks(school_months, SCHOOLS_PER_BATCH):
        _recompute_batch(batch, year=year, month=month, student_ids=student_ids, semester=semester, now=now)
