"""Semester eligibility (Art. 11): whether each aid student keeps the semester's aid, and why not.

One row per student and semester, recomputed by `aidface.eligibility.services` whenever a
month result, an enrolment, a duplicate case or an appeal changes. A cancelled row lists
every reason that applies, not only the first one found.
"""
from django.db import models


class Reason(models.TextChoices):
    FEW_PASSING_MONTHS = "few_passing_months", "通过月份少于2个月"
    NO_NORMAL_ATTENDANCE = "no_normal_attendance", "无正常考勤月份"
    NOT_ENROLLED = "not_enrolled", "未完成新增采集"
    ENROLLED_LATE = "enrolled_late", "逾期完成新增采集"
    DUPLICATE_IDENTITY = "duplicate_identity", "确认一人多籍"


# The order in which reasons are listed on pages and in exports.
REASON_ORDER = tuple(Reason.values)


class SemesterEligibility(models.Model):
    """A student's eligibility for one semester's aid, with every reason of a cancellation.

    `final` is stored as the last recompute found it. The row is also final once
    `final_from` has passed (the semester appeal expiry under the school's policy).
    `is_final_at` takes that into account, so no recompute is needed at that moment.
    """

    student = models.ForeignKey("roster.Student", on_delete=models.CASCADE, related_name="eligibilities", verbose_name="学生")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+", verbose_name="学校")
    semester = models.ForeignKey("roster.Semester", on_delete=models.PROTECT, related_name="+", verbose_name="学期")
    eligible = models.BooleanField("保留受助资格")
    # Reason codes (values of `Reason`) in REASON_ORDER; empty when eligible.
    reasons = models.JSONField("取消原因", default=list)
    passing_months = models.PositiveSmallIntegerField("通过月数", default=0)
    normal_months = models.PositiveSmallIntegerField("正常考勤月数", default=0)
    # True when the internship rule (confirmed internship over the whole routine window) kept the aid.
    internship_whole_period = models.BooleanField("全程岗位实习", default=False)
    final = models.BooleanField("最终结果", default=False)
    final_from = models.DateTimeField("最终确定时间")
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "学期受助资格"
        ordering = ["semester_id", "school_id", "student_id"]
        constraints = [models.UniqueConstraint(fields=["student", "semester"], name="eligibility_unique_student_semester")]
        indexes = [models.Index(fields=["semester", "school", "eligible"], name="eligibility_semester_school")]

    def __str__(self) -> str:
        return f"{self.student_id}:{self.semester_id}:{'eligible' if self.eligible else 'cancelled'}"

    def is_final_at(self, moment) -> bool:
        return self.final or moment >= self.final_from

    @property
    def reason_labels(self) -> list[str]:
        labels = dict(Reason.choices)
        return [labels.get(code, code) for code in self.reasons]
