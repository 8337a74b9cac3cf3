"""Jurisdiction scope: what a user may see and change.

Every page and API handler fetches organisation records through this module, and later
apps filter their own records with `school__in=scope.schools(user)`. A record outside the
scope returns 404, never 403, so that its existence is not disclosed (Art. 23,
least privilege by jurisdiction).

- Office staff see their office, the offices below it, and every school those offices run.
- School operators, principals and terminals see their own school, its campuses and its
  students.
- Students see no school, so records filtered by `school__in=schools(user)` stay hidden
  from them. They see their school's campuses (where a check-in counts), their own
  roster record (linked by `Student.account`) and themselves.
- Superusers without an office or school (created with `createsuperuser`) see everything.
- Anonymous and inactive users see nothing.
"""
from django.apps import apps
from django.db.models import Q, QuerySet
from django.http import Http404

from aidface.org.models import AidOffice, Campus, Region, Role, School, User

OFFICE_ROLES = {Role.OFFICE_STAFF}
SCHOOL_ROLES = {Role.SCHOOL_OPERATOR, Role.PRINCIPAL, Role.TERMINAL}


def _sees_all(user) -> bool:
    return bool(user.is_superuser) and not user.office_id and not user.school_id


def _is_active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def offices_below(office: AidOffice, include_self: bool = True) -> QuerySet[AidOffice]:
    """Return the offices in the tree under `office`; the tree has at most three levels."""
    below = Q(parent=office) | Q(parent__parent=office)
    if include_self:
        below |= Q(pk=office.pk)
    return AidOffice.objects.filter(below)


def direct_schools(office: AidOffice) -> QuerySet[School]:
    """Return the schools `office` runs itself (直属学校), which its routine checks cover."""
    return School.objects.filter(supervising_office=office)


def regions(user) -> QuerySet[Region]:
    if not _is_active(user):
        return Region.objects.none()
    if _sees_all(user):
        return Region.objects.all()
    if user.role in OFFICE_ROLES and user.office_id:
        region_code = user.office.region_id
        return Region.objects.filter(Q(pk=region_code) | Q(parent=region_code) | Q(parent__parent=region_code))
    if user.school_id:
        return Region.objects.filter(pk=user.school.region_id)
    return Region.objects.none()


def offices(user) -> QuerySet[AidOffice]:
    if not _is_active(user):
        return AidOffice.objects.none()
    if _sees_all(user):
        return AidOffice.objects.all()
    if user.role in OFFICE_ROLES and user.office_id:
        return offices_below(user.office)
    return AidOffice.objects.none()


def schools(user) -> QuerySet[School]:
    if not _is_active(user):
        return School.objects.none()
    if _sees_all(user):
        return School.objects.all()
    if user.role in OFFICE_ROLES and user.office_id:
        return School.objects.filter(supervising_office__in=offices_below(user.office))
    if user.role in SCHOOL_ROLES and user.school_id:
        return School.objects.filter(pk=user.school_id)
    return School.objects.none()


def school_ids(user) -> list[int]:
    return list(schools(user).values_list("pk", flat=True))


def campuses(user) -> QuerySet[Campus]:
    """Return the campuses in scope in every approval state; use `.usable()` for check-ins."""
    if _is_active(user) and user.role == Role.STUDENT and user.school_id:
        return Campus.objects.filter(school=user.school_id)
    return Campus.objects.filter(school__in=schools(user))


def students(user) -> QuerySet:
    """Return the roster students in scope: those of the schools in scope, or a student's own record."""
    student_model = apps.get_model("roster", "Student")
    if _is_active(user) and user.role == Role.STUDENT:
        return student_model.objects.filter(account=user.pk)
    return student_model.objects.filter(school__in=schools(user))


def users(user) -> QuerySet[User]:
    if not _is_active(user):
        return User.objects.none()
    if _sees_all(user):
        return User.objects.all()
    if user.role in OFFICE_ROLES and user.office_id:
        return User.objects.filter(Q(office__in=offices(user)) | Q(school__in=schools(user)))
    if user.role in {Role.SCHOOL_OPERATOR, Role.PRINCIPAL} and user.school_id:
        return User.objects.filter(school=user.school_id)
    return User.objects.filter(pk=user.pk)


def _get_or_404(queryset: QuerySet, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404("记录不存在或不在您的管辖范围内，请返回列表重新选择。") from None


def get_region_or_404(user, code) -> Region:
    return _get_or_404(regions(user), code)


def get_office_or_404(user, pk) -> AidOffice:
    return _get_or_404(offices(user), pk)


def get_school_or_404(user, pk) -> School:
    return _get_or_404(schools(user), pk)


def get_campus_or_404(user, pk) -> Campus:
    return _get_or_404(campuses(user), pk)


def get_user_or_404(user, pk) -> User:
    return _get_or_404(users(user), pk)


def get_student_or_404(user, pk):
    return _get_or_404(students(user), pk)
