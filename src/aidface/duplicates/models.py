"""Indexed descriptors of the 1:N search, duplicate cases (疑似一人多籍) and fraud flags.

An `IndexedDescriptor` row is one descriptor of a student's enrolment gallery (the
enrolment app's FaceTemplate), encrypted at rest. Its primary key is the descriptor's id
in the 1:N index, so the table is what every process's copy of the index is kept in step
with. A gallery taken out of the search (enrolment reset, confirmed fraud) keeps its rows
as tombstones with the descriptor wiped, so that every process removes them too.
"""
from django.conf import settings
from django.db import models


class IndexedDescriptor(models.Model):
    """One descriptor of a student's enrolment gallery, searchable by the 1:N index."""

    student = models.ForeignKey("roster.Student", on_delete=models.CASCADE, related_name="indexed_descriptors")
    # The index partition: the student's school when the gallery was stored.
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    enrolment_id = models.BigIntegerField("采集记录")
    # The enrolment app's FaceTemplate (the gallery) this descriptor was taken from.
    gallery_id = models.BigIntegerField("人脸模板", db_index=True)
    model_id = models.CharField("特征模型", max_length=128)
    # AES-GCM blob of 128 little-endian float32 values, bound to the student (templates_crypto.py).
    descriptor = models.BinaryField("特征（加密）")
    # The end of a provisional gallery's validity; expired ones are skipped by the search.
    valid_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    removed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "比对特征"
        indexes = [models.Index(fields=["student", "removed_at"], name="indexed_descriptor_student")]


class CaseStatus(models.TextChoices):
    OPEN = "open", "待核查"
    CLEARED = "cleared", "已排除（非同一人）"
    CONFIRMED = "confirmed", "已确认一人多籍"


class SearchScope(models.TextChoices):
    SCHOOL = "school", "本校比对"
    PROVINCE = "province", "全省比对"


class DuplicateCase(models.Model):
    """A new gallery that matched another student's gallery: one person, perhaps two identities.

    `student` is the student whose enrolment waits; `matched_student` was already in the
    index. `office` is the lowest aid office whose jurisdiction covers both schools, so the
    office deciding sees both students without leaving its jurisdiction (for a match in the
    same school, that school's supervising office).
    """

    student = models.ForeignKey(
        "roster.Student", on_delete=models.PROTECT, related_name="duplicate_cases", verbose_name="新采集学生"
    )
    matched_student = models.ForeignKey(
        "roster.Student", on_delete=models.PROTECT, related_name="duplicate_matches", verbose_name="比中学生"
    )
    enrolment_id = models.BigIntegerField("采集记录", null=True, blank=True)
    office = models.ForeignKey(
        "org.AidOffice", on_delete=models.PROTECT, related_name="duplicate_cases", verbose_name="核查部门"
    )
    search_scope = models.CharField("比对范围", max_length=16, choices=SearchScope.choices)
    distance = models.FloatField("特征距离")
    similarity = models.PositiveSmallIntegerField("相似度")
    threshold = models.FloatField("比对阈值")
    model_id = models.CharField("特征模型", max_length=128)
    status = models.CharField("状态", max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_at = models.DateTimeField("发现时间", auto_now_add=True)
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="处理人"
    )
    decision_comment = models.CharField("处理意见", max_length=500, blank=True)

    class Meta:
        verbose_name = "疑似一人多籍"
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "matched_student"],
                condition=models.Q(status="open"),
                name="duplicate_case_one_open_per_pair",
            ),
            models.CheckConstraint(
                condition=~models.Q(student=models.F("matched_student")), name="duplicate_case_two_students"
            ),
        ]
        indexes = [models.Index(fields=["office", "status"], name="duplicate_case_office_status")]

    def __str__(self) -> str:
        return f"疑似一人多籍：{self.student.name} / {self.matched_student.name}"

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN


class FraudFlag(models.Model):
    """A student record marked by a confirmed duplicate case (一人多籍已确认)."""

    student = models.ForeignKey("roster.Student", on_delete=models.PROTECT, related_name="fraud_flags")
    case = models.ForeignKey(DuplicateCase, on_delete=models.PROTECT, related_name="flags")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "一人多籍标记"
        constraints = [models.UniqueConstraint(fields=["student", "case"], name="fraud_flag_once_per_case")]


class SearchLock(models.Model):
    """A single row that every duplicate search updates first, so searches run one at a time.

    Two enrolments of one face that searched at the same moment would otherwise miss each
    other, because neither template is in the index when the other searches.
    """

    taken_at = models.DateTimeField(null=True)
