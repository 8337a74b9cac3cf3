"""Monthly (Art. 14) and semester (Art. 15) appeals of a school against month results.

A school operator drafts an appeal with one item per student, each with its reason, and
the formal document (PDF or image, encrypted at rest). The principal signs it (Art. 4:
the principal is the school's first responsible person), and signing files it with the
school's supervising office. Both steps must fall inside the filing window. The office
approves or rejects each item. An approved item turns the month into appeal_normal, and
for a semester appeal every month of the semester's routine window. Items still
undecided at `expires_at` expire and the results stand.
"""
from django.conf import settings
from django.db import models

from aidface.checks.models import MonthState
from aidface.policy.calendar import LocalWindow


class AppealKind(models.TextChoices):
    MONTHLY = "monthly", "月度申诉"
    SEMESTER = "semester", "学期申诉"


class AppealState(models.TextChoices):
    AWAITING_SIGNATURE = "awaiting_signature", "待校长签署"
    FILED = "filed", "待审核"
    DECIDED = "decided", "已审核"
    EXPIRED = "expired", "逾期未审核"
    # Not signed before the filing window closed, so it never reached the office.
    LAPSED = "lapsed", "逾期未签署"
    WITHDRAWN = "withdrawn", "已撤回"



class Appeal(models.Model):
    """A school's appeal to its supervising office, covering one month or one semester.

    `window_first_day`, `window_last_day` and `expires_at` are copied from the policy
    calendar when the appeal is drafted, so later policy changes do not move them.
    The stored `state` turns from filed to expired (and from awaiting_signature to lapsed)
    only when `expire_due_appeals` runs; `effective_state` gives the state by date.
    """

    kind = models.CharField("申诉类型", max_length=16, choices=AppealKind.choices)
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+", verbose_name="学校")
    office = models.ForeignKey("org.AidOffice", on_delete=models.PROTECT, related_name="+", verbose_name="同级资助部门")
    semester = models.ForeignKey("roster.Semester", on_delete=models.PROTECT, related_name="+", verbose_name="学期")
    # The appealed month; both are null for a semester appeal.
    year = models.PositiveSmallIntegerField("年份", null=True, blank=True)
    month = models.PositiveSmallIntegerField("月份", null=True, blank=True)
    state = models.CharField("状态", max_length=24, choices=AppealState.choices, default=AppealState.AWAITING_SIGNATURE)
    window_first_day = models.DateField("申诉期开始")
    window_last_day = models.DateField("申诉期结束")
    expires_at = models.DateTimeField("审核截止时间")

    # The formal document (正式行文), encrypted with `document_associated_data`.
    document = models.BinaryField("正式行文（加密）")
    document_key_id = models.CharField(max_length=64)
    document_name = models.CharField("文件名", max_length=255)
    document_type = models.CharField("文件类型", max_length=64)
    document_size = models.PositiveIntegerField("文件大小（字节）")
    document_sha256 = models.CharField(max_length=64)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="起草人")
    created_at = models.DateTimeField("起草时间")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="签署校长"
    )
    signed_at = models.DateTimeField("签署提交时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="撤回人"
    )
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    expired_at = models.DateTimeField("失效时间", null=True, blank=True)

    class Meta:
        verbose_name = "抽查结果申诉"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["office", "state"], name="appeal_office_state"),
            models.Index(fields=["school", "state"], name="appeal_school_state"),
            models.Index(fields=["state", "expires_at"], name="appeal_state_expiry"),
        ]
        constraints = [
            models.CheckConstraint(
                name="appeal_month_matches_kind",
                condition=(
                    models.Q(kind="monthly", year__isnull=False, month__isnull=False)
                    | models.Q(kind="semester", year__isnull=True, month__isnull=True)
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.school.name} {self.period_label}{self.get_kind_display()}"

    @property
    def period_label(self) -> str:
        if self.kind == AppealKind.MONTHLY:
            return f"{self.year}年{self.month}月"
        return str(self.semester)

    def effective_state(self, now) -> str:
        """Return the state at `now`, counting an expiry that `expire_due_appeals` has not written yet."""
        if self.state == AppealState.FILED and now >= self.expires_at:
            return AppealState.EXPIRED
        if self.state == AppealState.AWAITING_SIGNATURE and now >= self.window_ends_at:
            return AppealState.LAPSED
        return self.state

    @property
    def window_ends_at(self):
        """The first moment after the filing window (Asia/Shanghai)."""
        return LocalWindow(self.window_first_day, self.window_last_day).ends_at

    @property
    def appeal_ref(self) -> str:
        """The reference stored in `MonthResult.appeal_ref`; the results' `source` becomes "appeal:<id>"."""
        return str(self.pk)

    @property
    def document_associated_data(self) -> str:
        return f"appeal_document:{self.pk}:{self.school_id}"


class ItemDecision(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "通过"
    REJECTED = "rejected", "驳回"
    EXPIRED = "expired", "逾期未审核"


class AppealItem(models.Model):
    """One student of an appeal, with the school's reason and the office's decision.

    `states_at_filing` records the month results as the school saw them:
    {"YYYY-MM": state} for every month of the appeal.
    """

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="items")
    student = models.ForeignKey("roster.Student", on_delete=models.PROTECT, related_name="+", verbose_name="学生")
    reason = models.TextField("缺位原因")
    states_at_filing = models.JSONField("申诉时结果", default=dict)
    decision = models.CharField("审核结果", max_length=16, choices=ItemDecision.choices, default=ItemDecision.PENDING)
    comment = models.TextField("审核意见", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="审核人"
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "申诉学生"
        ordering = ["appeal_id", "id"]
        constraints = [models.UniqueConstraint(fields=["appeal", "student"], name="appeal_item_unique_student")]

    def __str__(self) -> str:
        return f"{self.student.name}（{self.appeal.period_label}）"

    def state_labels(self) -> list[tuple[str, str]]:
        """Return (YYYY-MM, Chinese state) pairs of the results at filing, in month order."""
        labels = dict(MonthState.choices)
        return [(period, labels.get(state, state)) for period, state in sorted(self.states_at_filing.items())]
