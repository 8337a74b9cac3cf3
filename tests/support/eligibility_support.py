"""Factories for the eligibility and reports tests: month results, enrolments, internships and appeals as rows.

They write the records that the other apps' services would write, so that each
eligibility reason can be set up without running check-ins through the face engine.
"""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import enrolment_support

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Spring 2026 under the province defaults: enrolment due 04-20, routine window 03-01..05-31,
# semester appeal window 06-11..06-20, undecided semester appeals expire 07-01 00:00.
ON_TIME = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
LATE = datetime(2026, 5, 6, 9, 0, tzinfo=SHANGHAI)
IN_MAY = datetime(2026, 5, 20, 9, 0, tzinfo=SHANGHAI)
IN_APPEAL_WINDOW = datetime(2026, 6, 15, 9, 0, tzinfo=SHANGHAI)
AFTER_APPEAL_WINDOW = datetime(2026, 6, 25, 9, 0, tzinfo=SHANGHAI)
AFTER_APPEAL_EXPIRY = datetime(2026, 7, 2, 9, 0, tzinfo=SHANGHAI)
MONTHS = ((2026, 3), (2026, 4), (2026, 5))

_sequence = iter(range(100, 999))


def student(school, *, name: str = "学生", aided: bool = True):
    return enrolment_support.make_student(school, name=name, sequence=f"{next(_sequence):03d}", aided=aided)


def spring_2026():
    from aidface.roster.services import ensure_semester
    from aidface.policy.calendar import Term

    return ensure_semester(year=2026, term=Term.SPRING)


def month_results(student, states, *, locked: bool = True):
    """Store the student's results of March, April and May 2026 (one state per month; None leaves a month out)."""
    from aidface.checks.models import MonthResult

    semester = spring_2026()
    for (year, month), state in zip(MONTHS, states):
        if state is None:
            continue
        MonthResult.objects.update_or_create(
            student=student,
            year=year,
            month=month,
            defaults={"school": student.school, "semester": semester, "state": state, "computed_at": IN_MAY, "locked": locked},
        )


def enrol(student, *, at: datetime = ON_TIME, state: str = "enrolled", late: bool = False):
    from aidface.enrolment.models import Enrolment
    from aidface.roster.services import semester_at

    return Enrolment.objects.create(
        student=student, school=student.school, semester=semester_at(at), state=state,
        late=late,
        started_at=at, completed_at=at,
    )


def internship(student, *, start: date, end: date, confirmed: bool = True, filed: bool = True):
    from aidface.internships.models import FilingStatus, InternshipRecord

    return InternshipRecord.objects.create(
        student=student, school=student.school, grade="2025级", class_name="机电1班", company="郑州宇通客车",
        address="郑州市管城区宇通路6号", supervisor_name="王经理", supervisor_phone="13800000000",
        start_date=start, end_date=end, status=FilingStatus.FILED if filed else FilingStatus.DRAFT,
        filed_at=ON_TIME if filed else None, confirmed_at=ON_TIME if confirmed else None,
    )


def semester_appeal(school, office, students, *, created_by, state: str = "filed"):
    """A signed semester appeal of spring 2026 with one pending item per student."""
    from aidface.appeals.models import Appeal, AppealItem, AppealKind

    appeal = Appeal.objects.create(
        kind=AppealKind.SEMESTER, school=school, office=office, semester=spring_2026(), state=state,
        window_first_day=date(2026, 6, 11), window_last_day=date(2026, 6, 20),
        expires_at=datetime(2026, 7, 1, tzinfo=SHANGHAI),
        document=b"sealed", document_key_id="test", document_name="申诉.pdf", document_type="application/pdf",
        document_size=6, document_sha256="0" * 64, created_by=created_by, created_at=IN_APPEAL_WINDOW,
        signed_by=created_by, signed_at=IN_APPEAL_WINDOW,
    )
    for item_student in students:
        AppealItem.objects.create(appeal=appeal, student=item_student, reason="学生在外实训，未能参加抽查")
    return appeal
