"""Drawing a check's participants once, at the first access after it starts.

Participants are not fixed at launch, because a check is unannounced and the roster,
enrolments and internships may change until it starts. Every rule is evaluated at the
check's `starts_at`, so a late draw gives the same list as a draw at the start.
The queries work per school set, never per student: a provincial routine check may
cover tens of thousands of students.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from aidface.audit.services import record
from aidface.checks.launching import AID_STATUSES, draw_sample, eligible_sample_students, sample_count
from aidface.checks.models import Check, CheckKind, Participant, SampleMethod
from aidface.enrolment.models import Enrolment, EnrolmentState, FaceTemplate, TemplateKind
from aidface.org.models import AidOffice, School
from aidface.policy.calendar import local_day
from aidface.policy.selectors import effective_policy_for_office
from aidface.roster.models import Semester

logger = logging.getLogger(__name__)

# Enrolment states whose students take part in routine checks: enrolled, and provisional
# (also while the evidence appeal is pending) until the provisional template expires (Art. 6–7).
ROUTINE_ENROLMENT_STATES = (EnrolmentState.ENROLLED, EnrolmentState.PROVISIONAL, EnrolmentState.APPEAL_PENDING)
BULK_BATCH = 2000


def routine_participant_rows(*, school_ids: list[int], semester: Semester, at: datetime) -> list[tuple[int, int]]:
    """Return (student id, school id) of the aid students of the schools who take part in a routine check at `at`.

    It applies the rules of `enrolment.selectors.takes_part_in_routine_checks` in one query
    per supervising office. The student needs an enrolment in a taking-part state, completed
    before `at`, with a template that is active and unexpired at `at`. Under the default
    policy, an enrolment that was late in this semester leaves the student out (Art. 6).
    """
    active_template = FaceTemplate.objects.filter(
        Q(kind=TemplateKind.ENROLLED) | Q(valid_until__gt=at), enrolment=OuterRef("pk"), active=True
    )
    offices = defaultdict(list)
    for school_id, office_id in School.objects.filter(pk__in=school_ids).values_list("pk", "supervising_office_id"):
        offices[office_id].append(school_id)

    rows: list[tuple[int, int]] = []
    for office_id, office_school_ids in offices.items():
        policy = effective_policy_for_office(AidOffice.objects.get(pk=office_id))
        enrolments = (
            Enrolment.objects.filter(
                student__school_id__in=office_school_ids,
                student__aid_status__in=AID_STATUSES,
                state__in=ROUTINE_ENROLMENT_STATES,
            )
            .filter(Exists(active_template))
            .exclude(completed_at__gt=at)
        )
        if policy.late_students_skip_routine_checks:
            enrolments = enrolments.exclude(late=True, semester=semester)
        rows.extend(enrolments.values_list("student_id", "student__school_id"))
    return rows


def _without_internships(rows: list[tuple[int, int]], day) -> list[tuple[int, int]]:
    """Drop students whose confirmed internship covers `day`: routine checks stop during it (Art. 18)."""
    # Imported here: the internships app depends on checks, not the other way round.
    from aidface.internships.selectors import students_on_internship

    on_internship = students_on_internship(student_ids=[student_id for student_id, _ in rows], day=day)
    return [row for row in rows if row[0] not in on_internship]


def _targeted_rows(check: Check, school_ids: list[int]) -> list[tuple[int, int]]:
    """Return (student id, school id) of a targeted check's sample, drawn as the check recorded it."""
    eligible = eligible_sample_students(school_ids=school_ids, at=check.starts_at)
    if check.sample_method == SampleMethod.NAMED:
        # A named student whose gallery was withdrawn after launch cannot check in and is left out.
        return list(eligible.filter(pk__in=check.named_student_ids).values_list("pk", "school_id"))

    schools_by_student = dict(eligible.values_list("pk", "school_id"))
    count = sample_count(check.sample_method, check.sample_size, len(schools_by_student))
    drawn = draw_sample(seed=check.sample_seed, eligible_ids=list(schools_by_student), count=count)
    return [(student_id, schools_by_student[student_id]) for student_id in drawn]


def participant_rows(check: Check) -> list[tuple[int, int]]:
    """Return (student id, school id) of everyone the check covers, by the rules of its kind at its start."""
    school_ids = list(check.check_schools.values_list("school_id", flat=True))
    if check.kind == CheckKind.ROUTINE:
        rows = routine_participant_rows(school_ids=school_ids, semester=check.semester, at=check.starts_at)
        return _without_internships(rows, local_day(check.starts_at))
    return _targeted_rows(check, school_ids)


def ensure_participants(check: Check, *, now: datetime | None = None) -> bool:
    """Draw the check's participants if it has started and they are not drawn yet; return True if this call drew them.

    Safe to call from every read path: the check row is locked, so concurrent callers
    draw once.
    """
    now = now or timezone.now()
    if check.participants_drawn_at is not None or check.cancelled_at is not None or now < check.starts_at:
        return False

    with transaction.atomic():
        locked = Check.objects.select_for_update().get(pk=check.pk)
        if locked.participants_drawn_at is not None or locked.cancelled_at is not None:
            check.participants_drawn_at = locked.participants_drawn_at
            return False

        rows = participant_rows(locked)
        Participant.objects.bulk_create(
            [Participant(check_record=locked, student_id=student_id, school_id=school_id) for student_id, school_id in rows],
            batch_size=BULK_BATCH,
        )
        locked.participants_drawn_at = now
        locked.save(update_fields=["participants_drawn_at"])
        record(
            user=None,
            action="check.draw_participants",
            target=locked,
            office=locked.office,
            detail={"participants": len(rows), "sample_seed": locked.sample_seed},
        )

    check.participants_drawn_at = now
    logger.info("check id=%s participants drawn: %s", check.pk, len(rows))
    return True
