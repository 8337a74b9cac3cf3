"""Reading duplicate cases within the user's jurisdiction.

Office staff see the cases decided by their office or an office below it: by
construction the case's office covers both students' schools. School staff see the cases
of their own students, without the other school's student.
"""
from django.db.models import Q, QuerySet
from django.http import Http404

from aidface.duplicates.models import CaseStatus, DuplicateCase, FraudFlag
from aidface.org import scope
from aidface.org.models import Role

SCHOOL_ROLES = {Role.SCHOOL_OPERATOR, Role.PRINCIPAL}


def _sees_all(user) -> bool:
    return bool(user.is_superuser) and not user.office_id and not user.school_id


def office_cases(user) -> QuerySet[DuplicateCase]:
    """Cases the user's office tree decides; none for other roles."""
    cases = DuplicateCase.objects.select_related(
        "student__school", "matched_student__school", "office", "decided_by"
    )
    if not (user.is_authenticated and user.is_active):
        return cases.none()
    if _sees_all(user):
        return cases
    if user.role == Role.OFFICE_STAFF:
        return cases.filter(office__in=scope.offices(user))
    return cases.none()


def filter_cases(cases: QuerySet[DuplicateCase], *, status: str = "", search_scope: str = "", school_id=None) -> QuerySet:
    """Narrow a case list by status, search scope and a school of either student."""
    if status:
        cases = cases.filter(status=status)
    if search_scope:
        cases = cases.filter(search_scope=search_scope)
    if school_id:
        cases = cases.filter(Q(student__school_id=school_id) | Q(matched_student__school_id=school_id))
    return cases


def get_office_case_or_404(user, pk) -> DuplicateCase:
    try:
        return office_cases(user).get(pk=pk)
    except (DuplicateCase.DoesNotExist, ValueError, TypeError):
        raise Http404("不存在或不在您的管辖范围内。") from None


def school_cases(user) -> QuerySet[DuplicateCase]:
    """Cases involving a student of the user's school, for school operators and principals."""
    if not (user.is_authenticated and user.is_active) or user.role not in SCHOOL_ROLES:
        return DuplicateCase.objects.none()
    schools = scope.schools(user)
    return DuplicateCase.objects.select_related("student__school", "matched_student__school").filter(
        Q(student__school__in=schools) | Q(matched_student__school__in=schools)
    )


def has_open_case(student) -> bool:
    """True while a duplicate case about the student's new enrolment waits for the office."""
    return DuplicateCase.objects.filter(student=student, status=CaseStatus.OPEN).exists()


def is_flagged(student) -> bool:
    """True when a confirmed duplicate case flagged the student (一人多籍已确认)."""
    return FraudFlag.objects.filter(student=student).exists()
