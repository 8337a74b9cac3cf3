"""Reads of the organisation area, always within the user's jurisdiction (`aidface.org.scope`)."""
from django.db.models import Count, Q, QuerySet

from aidface.org import scope
from aidface.org.models import AidOffice, Campus, CampusStatus, Level, Region, Role, School, User
from aidface.org.regions import JIYUAN_CODE


def mask_identifier(value: str) -> str:
    """Hide the middle of an ID-like value (ID number, phone, a student's login name).

    Keeps the first 3 and last 4 characters of values longer than 8, else the first and last
    one, so that a person can still tell records apart without reading the number.
    """
    if len(value) > 8:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    if len(value) > 2:
        return value[0] + "*" * (len(value) - 2) + value[-1]
    return "*" * len(value)


def office_list(user) -> QuerySet[AidOffice]:
    return (
        scope.offices(user)
        .select_related("region", "parent")
        .annotate(direct_school_count=Count("direct_schools", distinct=True))
        .order_by("region_id")
    )


def school_list(user, *, search: str = "") -> QuerySet[School]:
    schools = scope.schools(user).select_related("region", "region__parent", "supervising_office")
    if search:
        schools = schools.filter(Q(name__icontains=search) | Q(code__startswith=search))
    return schools.annotate(campus_count=Count("campuses")).order_by("code")


def campus_list(user, *, status: str = "", school: School | None = None) -> QuerySet[Campus]:
    campuses = scope.campuses(user).select_related("school", "submitted_by", "reviewed_by")
    if status in CampusStatus.values:
        campuses = campuses.filter(status=status)
    if school is not None:
        campuses = campuses.filter(school=school)
    return campuses.order_by("school__code", "id")


def campuses_awaiting_review(user) -> QuerySet[Campus]:
    """Return the submitted campuses in scope, oldest submission first, as the reviewer works them."""
    return campus_list(user, status=CampusStatus.SUBMITTED).order_by("submitted_at", "id")


def user_list(user) -> QuerySet[User]:
    return scope.users(user).select_related("office", "school", "campus").order_by("role", "username")


def shown_username(user: User) -> str:
    """Return the login name as lists show it; students may log in with an ID number, so it is masked."""
    if user.role == Role.STUDENT:
        return mask_identifier(user.username)
    return user.username


def county_regions_under(region: Region) -> QuerySet[Region]:
    """Return the places a school run by the office of `region` may be located in."""
    places = Region.objects.filter(Q(level=Level.COUNTY) | Q(code=JIYUAN_CODE))
    if region.level == Level.PROVINCE:
        return places
    return places.filter(Q(pk=region.pk) | Q(parent=region.pk))
