"""Writes of the organisation area: offices, schools, campuses and their approval, users.

Every change runs in one transaction with its audit entry. Callers fetch the objects they
pass in through `aidface.org.scope`, so an object outside the actor's jurisdiction never
reaches a service. The services check the actor's role and the rule of the change itself.
"""
import logging
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from aidface.audit.services import record
from aidface.org import scope
from aidface.org.models import AidOffice, Campus, CampusStatus, CoordSystem, Level, Region, Role, School, User
from aidface.org.regions import JIYUAN_CODE

logger = logging.getLogger(__name__)

# A box around Henan (31.38–36.37 °N, 110.35–116.65 °E) with a small margin. The offset
# between WGS-84, GCJ-02 and BD-09 is under 1 km, so one box serves every system. It catches
# swapped or mistyped coordinates, not points just across the provincial border.
HENAN_LATITUDE_RANGE = (Decimal("31.3"), Decimal("36.5"))
HENAN_LONGITUDE_RANGE = (Decimal("110.3"), Decimal("116.7"))


class OrgError(Exception):
    """A change the rules do not allow; `message` is a plain Chinese sentence for the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _require_office_staff(actor: User) -> AidOffice:
    if actor.role != Role.OFFICE_STAFF or actor.office_id is None:
        raise OrgError("只有资助部门工作人员可以进行此操作，请由所属资助部门的工作人员办理。")
    return actor.office


def _region_within(region: Region, ancestor: Region) -> bool:
    return ancestor.code in {region.code, region.parent_id, region.parent.parent_id if region.parent_id else None}


# Offices


@transaction.atomic
def create_office(*, actor: User | None, region: Region, name: str) -> AidOffice:
    """Create the aid office of `region` under the office of its parent region.

    `actor` None means the system itself (data set-up); otherwise the actor's office must
    be the new office's parent or above it.
    """
    if region.level == Level.PROVINCE:
        parent = None
    else:
        parent = AidOffice.objects.filter(region=region.parent_id).first()
        if parent is None:
            raise OrgError(f"请先设立{region.parent.name}的资助部门，再设立{region.name}的资助部门。")
    if actor is not None:
        _require_office_staff(actor)
        if parent is None or not scope.offices(actor).filter(pk=parent.pk).exists():
            raise OrgError(f"{region.name}不在您的管辖范围内，不能设立资助部门。")
    if AidOffice.objects.filter(region=region).exists():
        raise OrgError(f"{region.name}已设立资助部门。")

    office = AidOffice.objects.create(name=name.strip(), level=region.level, region=region, parent=parent)

    record(
        user=actor, action="office.create", target=office, target_repr=office.name, office=office, detail={"region": region.code}
    )
    return office


@transaction.atomic
def rename_office(*, actor: User, office: AidOffice, name: str) -> AidOffice:
    _require_office_staff(actor)
    old_name = office.name

    office.name = name.strip()
    office.save(update_fields=["name"])

    record(
        user=actor, action="office.edit", target=office, target_repr=office.name, office=office, detail={"old_name": old_name}
    )
    return office


# Schools


def _check_school_placement(*, region: Region, supervising_office: AidOffice) -> None:
    if region.level != Level.COUNTY and region.code != JIYUAN_CODE:
        raise OrgError("学校所在地应选择到县级（区、县、县级市）或济源示范区。")
    if not _region_within(region, supervising_office.region):
        raise OrgError(f"学校所在地{region.name}不在{supervising_office.name}的辖区内，请重新选择所在地或同级资助部门。")


@transaction.atomic
def create_school(
    *,
    actor: User | None,
    code: str,
    name: str,
    region: Region,
    supervising_office: AidOffice,
    principal_name: str = "",
) -> School:
    """Register a school run by `supervising_office`, which must lie in the actor's jurisdiction."""
    if actor is not None:
        _require_office_staff(actor)
        if not scope.offices(actor).filter(pk=supervising_office.pk).exists():
            raise OrgError("所选同级资助部门不在您的管辖范围内，请选择本部门或下级资助部门。")
    _check_school_placement(region=region, supervising_office=supervising_office)
    if School.objects.filter(code=code).exists():
        raise OrgError(f"学校标识码 {code} 已被其他学校使用，请核对。")

    school = School(
        code=code, name=name.strip(), region=region, supervising_office=supervising_office, principal_name=principal_name
    )
    school.full_clean()
    school.save()

    record(
        user=actor,
        action="school.create",
        target=school,
        target_repr=school.name,
        school=school,
        detail={"code": code, "supervising_office": supervising_office.pk},
    )
    return school


@transaction.atomic
def update_school(
    *,
    actor: User,
    school: School,
    name: str,
    region: Region,
    supervising_office: AidOffice,
    principal_name: str,
) -> School:
    """Change a school's name, place, principal or supervising office (within the actor's jurisdiction)."""
    _require_office_staff(actor)
    if not scope.offices(actor).filter(pk=supervising_office.pk).exists():
        raise OrgError("所选同级资助部门不在您的管辖范围内，请选择本部门或下级资助部门。")
    _check_school_placement(region=region, supervising_office=supervising_office)
    changes = {}
    for field, value in (
        ("name", name.strip()),
        ("region_id", region.code),
        ("supervising_office_id", supervising_office.pk),
        ("principal_name", principal_name.strip()),
    ):
        if getattr(school, field) != value:
            changes[field] = [getattr(school, field), value]
            setattr(school, field, value)

    school.full_clean()
    school.save()

    record(
        user=actor,
        action="school.edit",
        target=school,
        target_repr=school.name,
        school=school,
        detail={"changes": changes},
    )
    return school


# Campuses


def _check_point(*, latitude: Decimal, longitude: Decimal, coord_system: str) -> None:
    if coord_system not in CoordSystem.values:
        raise OrgError("请选择坐标系（WGS-84、GCJ-02 或 BD-09）。")
    low, high = HENAN_LATITUDE_RANGE
    if not low <= latitude <= high:
        raise OrgError(f"纬度 {latitude} 不在河南省范围内（约 31.4–36.4），请检查是否与经度填反。")
    low, high = HENAN_LONGITUDE_RANGE
    if not low <= longitude <= high:
        raise OrgError(f"经度 {longitude} 不在河南省范围内（约 110.4–116.6），请检查是否与纬度填反。")


def _require_operator_of(actor: User, school: School) -> None:
    if actor.role != Role.SCHOOL_OPERATOR or actor.school_id != school.pk:
        raise OrgError("只有本校的学校管理员可以提交或修改校区信息，请由本校学校管理员登录后操作。")


def _check_campus_name_free(*, school: School, name: str, campus: Campus | None = None) -> None:
    others = Campus.objects.filter(school=school, name=name)
    if campus is not None:
        others = others.exclude(pk=campus.pk)
    if others.exists():
        raise OrgError(_duplicate_campus_message(name))


def _duplicate_campus_message(name: str) -> str:
    return f"本校已有名为“{name}”的校区，请换一个名称或修改原校区。"


def _save_campus(campus: Campus) -> None:
    """Save the campus, and raise OrgError when a concurrent submission took the same name first."""
    try:
        with transaction.atomic():
            campus.save()
    except IntegrityError:
        logger.info("campus name taken concurrently in school %s", campus.school_id)
        raise OrgError(_duplicate_campus_message(campus.name)) from None


@transaction.atomic
def submit_campus(
    *,
    actor: User | None,
    school: School,
    name: str,
    address: str,
    latitude: Decimal,
    longitude: Decimal,
    coord_system: str,
) -> Campus:
    """Submit a new campus for the province's approval; it is unusable until approved (Art. 22)."""
    if actor is not None:
        _require_operator_of(actor, school)
    _check_point(latitude=latitude, longitude=longitude, coord_system=coord_system)
    name = name.strip()
    _check_campus_name_free(school=school, name=name)

    campus = Campus(
        school=school,
        name=name,
        address=address.strip(),
        latitude=latitude,
        longitude=longitude,
        coord_system=coord_system,
        status=CampusStatus.SUBMITTED,
        submitted_at=timezone.now(),
        submitted_by=actor,
    )
    _save_campus(campus)

    record(
        user=actor,
        action="campus.submit",
        target=campus,
        target_repr=str(campus),
        school=campus.school,
        detail={"school": school.pk, "coord_system": coord_system},
    )
    return campus


@transaction.atomic
def edit_campus(
    *,
    actor: User,
    campus: Campus,
    name: str,
    address: str,
    latitude: Decimal,
    longitude: Decimal,
    coord_system: str,
) -> Campus:
    """Change a campus; a new address or point goes back to the province for approval.

    The previously approved point stays in force until the new one is approved, so check-ins
    keep working meanwhile. Renaming alone needs no review. Editing a rejected campus submits
    it again.
    """
    campus = Campus.objects.select_for_update().get(pk=campus.pk)
    _require_operator_of(actor, campus.school)
    _check_point(latitude=latitude, longitude=longitude, coord_system=coord_system)
    _check_campus_name_free(school=campus.school, name=name.strip(), campus=campus)

    location_changed = (
        campus.address != address.strip()
        or campus.latitude != latitude
        or campus.longitude != longitude
        or campus.coord_system != coord_system
    )
    old_status = campus.status
    campus.name = name.strip()
    campus.address = address.strip()
    campus.latitude = latitude
    campus.longitude = longitude
    campus.coord_system = coord_system
    if location_changed or campus.status == CampusStatus.REJECTED:
        campus.status = CampusStatus.SUBMITTED
        campus.submitted_at = timezone.now()
        campus.submitted_by = actor
        campus.review_comment = ""
    _save_campus(campus)

    record(
        user=actor,
        action="campus.edit",
        target=campus,
        target_repr=str(campus),
        school=campus.school,
        detail={"location_changed": location_changed, "old_status": old_status, "status": campus.status},
    )
    return campus


def _require_province_reviewer(actor: User, campus: Campus, seen_submitted_at: datetime | None) -> None:
    if actor.role != Role.OFFICE_STAFF or actor.office is None or actor.office.level != Level.PROVINCE:
        raise OrgError("校区地址和点位只能由省级资助部门审核，请等待省级资助部门处理。")
    if campus.status != CampusStatus.SUBMITTED:
        raise OrgError(f"该校区当前状态为“{campus.get_status_display()}”，没有待审核的提交。")
    if seen_submitted_at is not None and campus.submitted_at != seen_submitted_at:
        raise OrgError("学校在您审核期间修改了校区信息，请刷新页面后重新审核。")


@transaction.atomic
def approve_campus(
    *, actor: User, campus: Campus, comment: str = "", seen_submitted_at: datetime | None = None
) -> Campus:
    """Approve the submitted address and point; from now on they are the point in force (Art. 22).

    `seen_submitted_at` is the submission time shown to the reviewer. If the school edited the
    campus after that, the approval fails, so an unreviewed point is never approved.
    """
    campus = Campus.objects.select_for_update().get(pk=campus.pk)
    _require_province_reviewer(actor, campus, seen_submitted_at)

    now = timezone.now()
    previous_point = campus.point_in_force
    campus.status = CampusStatus.APPROVED
    campus.review_comment = comment.strip()
    campus.reviewed_at = now
    campus.reviewed_by = actor
    campus.approved_address = campus.address
    campus.approved_latitude = campus.latitude
    campus.approved_longitude = campus.longitude
    campus.approved_coord_system = campus.coord_system
    campus.approved_at = now
    campus.save()

    record(
        user=actor,
        action="campus.approve",
        target=campus,
        target_repr=str(campus),
        school=campus.school,
        detail={"replaced_point": str(previous_point) if previous_point else None, "point": str(campus.point_in_force)},
    )
    logger.info("campus %s approved by user %s", campus.pk, actor.pk)
    return campus


@transaction.atomic
def reject_campus(*, actor: User, campus: Campus, comment: str, seen_submitted_at: datetime | None = None) -> Campus:
    """Reject the submission with a comment; a previously approved point stays in force."""
    campus = Campus.objects.select_for_update().get(pk=campus.pk)
    _require_province_reviewer(actor, campus, seen_submitted_at)
    if not comment.strip():
        raise OrgError("驳回时请填写审核意见，说明需要学校修改的内容。")

    campus.status = CampusStatus.REJECTED
    campus.review_comment = comment.strip()
    campus.reviewed_at = timezone.now()
    campus.reviewed_by = actor
    campus.save()

    record(
        user=actor,
        action="campus.reject",
        target=campus,
        target_repr=str(campus),
        school=campus.school,
        detail={"comment": campus.review_comment},
    )
    logger.info("campus %s rejected by user %s", campus.pk, actor.pk)
    return campus


# Users


@transaction.atomic
def create_user(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    office: AidOffice | None = None,
    school: School | None = None,
    campus: Campus | None = None,
) -> User:
    """Create a login for office staff, a school role or a terminal; the password must pass the validators.

    Office staff may create users only inside their jurisdiction. A terminal is bound to one
    approved campus of its school.
    """
    if actor is not None:
        _require_office_staff(actor)
        if office is not None and not scope.offices(actor).filter(pk=office.pk).exists():
            raise OrgError("所选资助部门不在您的管辖范围内，请选择本部门或下级资助部门。")
        if school is not None and not scope.schools(actor).filter(pk=school.pk).exists():
            raise OrgError("所选学校不在您的管辖范围内，请选择您辖区内的学校。")
    if role == Role.TERMINAL:
        if campus is None or campus.school_id != getattr(school, "pk", None):
            raise OrgError("终端机必须绑定本校的一个校区，请选择校区后重试。")
        if not campus.is_usable:
            raise OrgError("终端机只能绑定已经省级资助部门审核通过的校区，请待校区审核通过后再绑定。")
    if User.objects.filter(username=username).exists():
        raise OrgError(f"用户名 {username} 已被使用，请换一个。")

    user = User(
        username=username, role=role, display_name=display_name, office=office, school=school, campus=campus
    )
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise OrgError("密码不符合要求：" + "".join(error.messages) + "请换一个密码。") from None
    user.set_password(password)
    user.save()

    record(
        user=actor,
        action="user.create",
        target=user,
        target_repr=user.username,
        office=office,
        school=school,
        detail={"role": role},
    )
    return user
