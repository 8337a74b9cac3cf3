"""Reading the roster within the user's jurisdiction."""
from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from aidface.org import scope
from aidface.roster.models import RosterImport, Student


def students(user) -> QuerySet[Student]:
    """Return the students the user may see: office staff their jurisdiction, school staff their school.

    A student user sees no roster, because their own record comes from the enrolment and check pages.
    """
    if getattr(user, "role", None) == "student":
        return Student.objects.none()
    return Student.objects.filter(school__in=scope.schools(user))


def search_students(user, *, school_id: int | None = None, query: str = "") -> QuerySet[Student]:
    """Filter the students in scope by school and by name, class or the last digits of the ID number."""
    found = students(user).select_related("school")
    if school_id is not None:
        found = found.filter(school_id=school_id)
    query = query.strip()
    if query:
        condition = Q(name__contains=query) | Q(class_name__contains=query) | Q(student_number=query)
        if len(query) >= 4 and query[:-1].isdigit():
            condition |= Q(id_number__endswith=query.upper())
        found = found.filter(condition)
    return found.order_by("school__code", "grade", "class_name", "name", "id")


def roster_imports(user) -> QuerySet[RosterImport]:
    return RosterImport.objects.filter(school__in=scope.schools(user)).select_related("school", "uploaded_by")


def get_roster_import_or_404(user, pk) -> RosterImport:
    try:
        return roster_imports(user).get(pk=pk)
    except (RosterImport.DoesNotExist, ValueError, TypeError):
        raise Http404("该导入记录不存在或不在您的管辖范围内。") from None
