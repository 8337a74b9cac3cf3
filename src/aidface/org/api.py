"""JSON API of the organisation area: schools and campuses within the caller's jurisdiction.

Students and terminals get 403, as on the pages. Objects outside the jurisdiction get 404.
"""
from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from aidface.org import access, scope, selectors

router = Router(tags=["机构"])


class PointOut(Schema):
    latitude: Decimal
    longitude: Decimal
    coord_system: str


class CampusOut(Schema):
    id: int
    school_id: int
    name: str
    status: str
    usable: bool
    address: str
    submitted_point: PointOut
    approved_address: str
    point_in_force: PointOut | None
    approved_at: datetime | None

    @staticmethod
    def resolve_usable(campus) -> bool:
        return campus.is_usable

    @staticmethod
    def resolve_submitted_point(campus) -> PointOut:
        return PointOut(latitude=campus.latitude, longitude=campus.longitude, coord_system=campus.coord_system)

    @staticmethod
    def resolve_point_in_force(campus) -> PointOut | None:
        point = campus.point_in_force
        if point is None:
            return None
        return PointOut(latitude=point.latitude, longitude=point.longitude, coord_system=point.coord_system)


class SchoolOut(Schema):
    id: int
    code: str
    name: str
    region_code: str
    supervising_office_id: int
    supervising_office_name: str
    principal_name: str

    @staticmethod
    def resolve_region_code(school) -> str:
        return school.region_id

    @staticmethod
    def resolve_supervising_office_name(school) -> str:
        return school.supervising_office.name


def _check_may_read(request: HttpRequest, message: str) -> None:
    if not access.may_read_org(request.auth):
        raise HttpError(403, message)


@router.get("/schools", response=list[SchoolOut], summary="管辖范围内的学校")
def list_schools(request: HttpRequest, q: str = ""):
    _check_may_read(request, access.SCHOOLS_DENIED)
    return selectors.school_list(request.auth, search=q.strip())


@router.get("/schools/{school_id}", response=SchoolOut, summary="学校详情（管辖范围外返回 404）")
def get_school(request: HttpRequest, school_id: int):
    _check_may_read(request, access.SCHOOLS_DENIED)
    return scope.get_school_or_404(request.auth, school_id)


@router.get("/campuses", response=list[CampusOut], summary="管辖范围内的校区")
def list_campuses(request: HttpRequest, status: str = "", usable: bool | None = None):
    _check_may_read(request, access.CAMPUSES_DENIED)
    campuses = selectors.campus_list(request.auth, status=status)
    if usable is not None:
        campuses = campuses.usable() if usable else campuses.filter(approved_latitude__isnull=True)
    return campuses


@router.get("/campuses/{campus_id}", response=CampusOut, summary="校区详情（管辖范围外返回 404）")
def get_campus(request: HttpRequest, campus_id: int):
    _check_may_read(request, access.CAMPUSES_DENIED)
    return scope.get_campus_or_404(request.auth, campus_id)
