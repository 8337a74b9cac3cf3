"""Regions, aid offices, schools, campuses and users.

Jurisdiction follows the office tree: an office sees the schools it supervises
and those supervised by the offices below it (see `aidface.org.scope`).
"""
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models


class Level(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"


class Region(models.Model):
    """An administrative division with its GB/T 2260 code."""

    code = models.CharField("行政区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("级别", max_length=16, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["code"]
        verbose_name = "行政区划"

    def __str__(self) -> str:
        return self.name


class AidOffice(models.Model):
    """A student-aid office (学生资助部门) at province, city or county level."""

    name = models.CharField("名称", max_length=128)
    level = models.CharField("级别", max_length=16, choices=Level.choices)
    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="aid_office")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["region_id"]
        verbose_name = "资助部门"

    def __str__(self) -> str:
        return self.name


school_code_validator = RegexValidator(r"^\d{10}$", "学校标识码应为 10 位数字。")


class School(models.Model):
    """A secondary vocational school; exactly one supervising office runs it."""

    code = models.CharField("学校标识码", max_length=10, unique=True, validators=[school_code_validator])
    name = models.CharField("学校名称", max_length=128)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="schools", verbose_name="所在地")
    supervising_office = models.ForeignKey(
        AidOffice, on_delete=models.PROTECT, related_name="direct_schools", verbose_name="同级资助部门"
    )
    principal_name = models.CharField("校长", max_length=64, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "学校"

    def __str__(self) -> str:
        return self.name


class CoordSystem(models.TextChoices):
    WGS84 = "wgs84", "WGS-84（GPS）"
    GCJ02 = "gcj02", "GCJ-02（国测局）"
    BD09 = "bd09", "BD-09（百度）"


class CampusStatus(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "已驳回"


@dataclass(frozen=True)
class CampusPoint:
    """A campus centre point together with the coordinate system it is expressed in."""

    latitude: Decimal
    longitude: Decimal
    coord_system: str

    def __str__(self) -> str:
        return f"{self.latitude}, {self.longitude}（{CoordSystem(self.coord_system).label}）"


class CampusQuerySet(models.QuerySet):
    def usable(self) -> "CampusQuerySet":
        """Campuses with a point the province has approved, the only ones any check may use (Art. 22)."""
        return self.filter(approved_latitude__isnull=False)


class Campus(models.Model):
    """A campus of a school: address and centre point, usable only once the province approves it (Art. 22).

    `address`, `latitude`, `longitude` and `coord_system` hold the latest submission;
    the `approved_*` fields hold the point in force. Editing an approved campus sends the
    submission back for review while the previously approved point stays in force.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="campuses")
    name = models.CharField("校区名称", max_length=128)
    address = models.CharField("办学地址", max_length=255)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6)
    coord_system = models.CharField("坐标系", max_length=8, choices=CoordSystem.choices)
    status = models.CharField("审核状态", max_length=16, choices=CampusStatus.choices, default=CampusStatus.SUBMITTED)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        "org.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="提交人"
    )
    review_comment = models.CharField("审核意见", max_length=255, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "org.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="审核人"
    )
    approved_address = models.CharField("已批准地址", max_length=255, blank=True)
    approved_latitude = models.DecimalField("已批准纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    approved_longitude = models.DecimalField("已批准经度", max_digits=9, decimal_places=6, null=True, blank=True)
    approved_coord_system = models.CharField("已批准坐标系", max_length=8, choices=CoordSystem.choices, blank=True)
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)

    objects = CampusQuerySet.as_manager()

    class Meta:
        ordering = ["school__code", "id"]
        verbose_name = "校区"
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="org_campus_unique_name_per_school")]

    def __str__(self) -> str:
        return f"{self.school.name}·{self.name}"

    @property
    def is_usable(self) -> bool:
        """True once some point of this campus has been approved by the province (Art. 22)."""
        return self.approved_latitude is not None

    @property
    def submitted_point(self) -> CampusPoint:
        return CampusPoint(self.latitude, self.longitude, self.coord_system)

    @property
    def point_in_force(self) -> CampusPoint | None:
        """The approved centre point that geofences use, or None before the first approval."""
        if not self.is_usable:
            return None
        return CampusPoint(self.approved_latitude, self.approved_longitude, self.approved_coord_system)

    @property
    def has_pending_change(self) -> bool:
        """True while an edit of an approved campus waits for review and the old point stays in force."""
        return self.is_usable and self.status == CampusStatus.SUBMITTED


class Role(models.TextChoices):
    OFFICE_STAFF = "office_staff", "资助部门工作人员"
    SCHOOL_OPERATOR = "school_operator", "学校管理员"
    PRINCIPAL = "principal", "校长"
    TERMINAL = "terminal", "终端机"
    STUDENT = "student", "学生"


class User(AbstractUser):
    """A person or device that logs in.

    Office staff belong to an office. School operators, principals and terminals belong
    to a school, and a terminal also to one campus. Students are linked from the roster.
    """

    role = models.CharField("角色", max_length=32, choices=Role.choices)
    office = models.ForeignKey(
        AidOffice, null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name="资助部门"
    )
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="users", verbose_name="学校"
    )
    campus = models.ForeignKey(
        Campus, null=True, blank=True, on_delete=models.PROTECT, related_name="terminals", verbose_name="绑定校区"
    )
    display_name = models.CharField("姓名", max_length=64, blank=True)
    must_change_password = models.BooleanField("首次登录须修改密码", default=False)

    class Meta:
        verbose_name = "用户"
        constraints = [
            models.CheckConstraint(
                name="user_role_link",
                condition=(
                    models.Q(role="office_staff", office__isnull=False, school__isnull=True)
                    | models.Q(role__in=["school_operator", "principal", "student"], school__isnull=False, office__isnull=True)
                    | models.Q(role="terminal", school__isnull=False, campus__isnull=False, office__isnull=True)
                    | models.Q(is_superuser=True)
                ),
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def role_label(self) -> str:
        """The role as the UI shows it, e.g. 市级资助部门 for city office staff."""
        if self.role == Role.OFFICE_STAFF and self.office_id:
            return f"{self.office.get_level_display()}资助部门"
        return self.get_role_display()
