"""Role checks of the organisation pages and API.

The role check comes first and returns 403. Objects are then fetched through
`aidface.org.scope`, so an object outside the jurisdiction still returns 404.
"""
from django.core.exceptions import PermissionDenied

from aidface.org.models import Level, Role

# Students and terminals see their school only through their own pages (check-in, capture).
ORG_READER_ROLES = frozenset({Role.OFFICE_STAFF, Role.SCHOOL_OPERATOR, Role.PRINCIPAL})

SCHOOLS_DENIED = "您的角色无权查看学校信息。"
CAMPUSES_DENIED = "您的角色无权查看校区信息。"
USERS_DENIED = "您的角色无权查看用户列表。"
OFFICES_DENIED = "只有资助部门工作人员可以查看资助部门。"
COUNTY_OFFICE_CREATE_DENIED = (
    "县级资助部门没有下级行政区划，不能设立下级资助部门。如需设立其他县级资助部门，请联系所属市级资助部门。"
)
OFFICE_CREATE_DENIED = "只有省级和市级资助部门的工作人员可以设立下级资助部门。"


def may_read_org(user) -> bool:
    """Return whether the user may open the school, campus and user lists and details."""
    return user.is_superuser or user.role in ORG_READER_ROLES


def may_read_offices(user) -> bool:
    return user.is_superuser or (user.role == Role.OFFICE_STAFF and user.office_id is not None)


def may_create_office(user) -> bool:
    """Return whether the user is province or city office staff, because a county has no region below it."""
    return user.role == Role.OFFICE_STAFF and user.office_id is not None and user.office.level != Level.COUNTY


def check_may_read_org(user, message: str) -> None:
    if not may_read_org(user):
        raise PermissionDenied(message)


def check_may_read_offices(user) -> None:
    if not may_read_offices(user):
        raise PermissionDenied(OFFICES_DENIED)


def check_may_create_office(user) -> None:
    if may_create_office(user):
        return
    if user.role == Role.OFFICE_STAFF and user.office_id is not None:
        raise PermissionDenied(COUNTY_OFFICE_CREATE_DENIED)
    raise PermissionDenied(OFFICE_CREATE_DENIED)
