"""Internship records (岗位实习, Art. 18–20), their change history and import batches.

A record is drafted by the school, filed with the school's supervising office before
the start date, and confirmed by the student's face at a school terminal before
departure. Whether a filed record is active or ended follows from the dates and is
computed on read (`state_on`), never stored. From the start date a filed and confirmed
record leaves the student out of routine checks until the end date.
"""
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from aidface.org.models import CoordSystem


class FilingStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    FILED = "filed", "已备案"


class InternshipState(models.TextChoices):
    """The state shown to users: the stored filing status combined with the dates."""

    DRAFT = "draft", "草稿"
    RETURNED = "returned", "已退回"
    FILED = "filed", "已备案（未开始）"
    ACTIVE = "active", "实习中"
    ENDED = "ended", "已结束"


# Fields the school may keep up to date after filing (Art. 19). Every change is kept in the history.
UPDATABLE_AFTER_FILING = (
    "company",
    "address",
    "latitude",
    "longitude",
    "coord_system",
    "supervisor_name",
    "supervisor_phone",
)

# Every field a change may touch, in the order the history shows them.
TRACKED_FIELDS = (
    "grade",
    "class_name",
    "start_date",
    "end_date",
) + UPDATABLE_AFTER_FILING


class InternshipRecord(models.Model):
    """One internship of one student, whose name and ID number come from the roster record."""

    student = models.ForeignKey("roster.Student", on_delete=models.PROTECT, related_name="internships", verbose_name="学生")
    # The student's school, kept here so that jurisdiction filters need no join.
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="internships", verbose_name="学校")
    grade = models.CharField("年级", max_length=32)
    class_name = models.CharField("班级", max_length=64)
    company = models.CharField("实习单位", max_length=128)
    address = models.CharField("实习地点", max_length=255)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    coord_system = models.CharField("坐标系", max_length=8, choices=CoordSystem.choices, blank=True)
    supervisor_name = models.CharField("负责人", max_length=64)
    supervisor_phone = models.CharField("负责人联系方式", max_length=20)
    start_date = models.DateField("实习开始日期")
    end_date = models.DateField("实习结束日期")

    status = models.CharField("备案状态", max_length=16, choices=FilingStatus.choices, default=FilingStatus.DRAFT)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="创建人"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    filed_at = models.DateTimeField("备案时间", null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="备案人"
    )
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="退回人"
    )
    return_comment = models.CharField("退回意见", max_length=255, blank=True)

    # Pre-departure confirmation at a school terminal (Art. 18).
    confirmed_at = models.DateTimeField("离校前确认时间", null=True, blank=True)
    confirmed_terminal = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="确认终端"
    )
    confirmation_distance = models.FloatField("人脸距离", null=True, blank=True)
    confirmation_similarity = models.FloatField("相似度", null=True, blank=True)
    confirmation_threshold = models.FloatField("判定阈值", null=True, blank=True)

    class Meta:
        verbose_name = "岗位实习"
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["student", "status"], name="internship_student_status"),
            models.Index(fields=["school", "start_date"], name="internship_school_start"),
        ]
        constraints = [
            models.CheckConstraint(name="internship_dates_ordered", condition=Q(end_date__gte=models.F("start_date"))),
        ]

    def __str__(self) -> str:
        return f"{self.student.name}·{self.company}"

    @property
    def is_filed(self) -> bool:
        return self.status == FilingStatus.FILED

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    def state_on(self, day: date) -> str:
        """The state on the Asia/Shanghai date `day`, computed from the filing status and the dates."""
        if self.status == FilingStatus.DRAFT:
            return InternshipState.RETURNED if self.returned_at else InternshipState.DRAFT
        if day < self.start_date:
            return InternshipState.FILED
        if day <= self.end_date:
            return InternshipState.ACTIVE
        return InternshipState.ENDED


class InternshipChange(models.Model):
    """One change of a record: who, when, which fields, and the values before and after."""

    record = models.ForeignKey(InternshipRecord, on_delete=models.CASCADE, related_name="changes")
    # The version the change produced, so the previous version is `version - 1`.
    version = models.PositiveIntegerField("版本")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="修改人"
    )
    changed_at = models.DateTimeField("修改时间")
    fields = models.JSONField("修改字段", default=list)
    before = models.JSONField("修改前", default=dict)
    after = models.JSONField("修改后", default=dict)
    after_filing = models.BooleanField("备案后修改", default=False)

    class Meta:
        verbose_name = "岗位实习变更记录"
        ordering = ["record_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["record", "version"], name="internship_change_unique_version"),
        ]


class InternshipPhoto(models.Model):
    """The live photo of a pre-departure confirmation, encrypted at rest like check-in photos."""

    record = models.ForeignKey(InternshipRecord, on_delete=models.CASCADE, related_name="photos")
    content = models.BinaryField("加密内容")
    key_id = models.CharField("密钥编号", max_length=64)
    content_type = models.CharField(max_length=32)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField("拍摄时间")

    class Meta:
        verbose_name = "离校前确认照片"
        ordering = ["created_at", "id"]

    @property
    def associated_data(self) -> str:
        return f"internship_photo:{self.pk}:{self.record_id}"


class ConfirmationChallenge(models.Model):
    """A liveness challenge issued at a terminal for a record's confirmation, single-use through `used_at`."""

    nonce = models.CharField(max_length=64, unique=True)
    record = models.ForeignKey(InternshipRecord, on_delete=models.CASCADE, related_name="challenges")
    terminal = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    actions = models.JSONField()
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "离校前确认活体检测请求"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已导入"
    DISCARDED = "discarded", "已放弃"


class InternshipImport(models.Model):
    """An uploaded internship spreadsheet awaiting confirmation. The file is dropped once it is confirmed or discarded."""

    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="internship_imports")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField("文件名", max_length=255)
    content = models.BinaryField("文件内容", null=True)
    sha256 = models.CharField(max_length=64)
    status = models.CharField("状态", max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True)
    counts = models.JSONField("统计", default=dict)

    class Meta:
        verbose_name = "岗位实习导入"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name


class Reconciliation(models.Model):
    """A comparison of the school's filed records with an export of the provincial filing platform (Art. 20).

    `rows` holds the differences for the page, with masked ID numbers only. The
    downloadable report contains full ID numbers and is stored encrypted.
    """

    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="internship_reconciliations")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField("平台导出文件", max_length=255)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField("核对时间")
    counts = models.JSONField("统计", default=dict)
    rows = models.JSONField("差异", default=list)
    report = models.BinaryField("加密的核对报告")
    key_id = models.CharField("密钥编号", max_length=64)

    class Meta:
        verbose_name = "实习备案核对"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def associated_data(self) -> str:
        return f"internship_reconciliation:{self.pk}:{self.school_id}"
