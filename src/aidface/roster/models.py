"""Semesters, the student roster and roster imports.

Enrolment state (enrolled, provisional, late) belongs to the enrolment app, which
links its records to `Student`.
"""
from django.conf import settings
from django.db import models

from aidface.policy.calendar import SemesterCalendar, Term, semester_calendar
from aidface.policy.values import Policy


class TermChoice(models.TextChoices):
    SPRING = Term.SPRING.value, "春季"
    AUTUMN = Term.AUTUMN.value, "秋季"


class Semester(models.Model):
    """A semester of the policy calendar: spring is January–June, autumn July–December of `year`."""

    year = models.PositiveSmallIntegerField("年份")
    term = models.CharField("学期", max_length=8, choices=TermChoice.choices)

    class Meta:
        verbose_name = "学期"
        ordering = ["year", "term"]
        constraints = [models.UniqueConstraint(fields=["year", "term"], name="semester_unique_year_term")]

    def __str__(self) -> str:
        return f"{self.year}年{self.get_term_display()}学期"

    @property
    def school_year_label(self) -> str:
        """The school year and term as schools write them, such as 2025-2026学年第二学期 for spring 2026."""
        if self.term == TermChoice.SPRING:
            return f"{self.year - 1}-{self.year}学年第二学期"
        return f"{self.year}-{self.year + 1}学年第一学期"

    def calendar(self, policy: Policy) -> SemesterCalendar:
        return semester_calendar(policy, self.year, Term(self.term))


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class AidStatus(models.TextChoices):
    AIDED = "aided", "受助"
    PROPOSED = "proposed", "拟受助"
    NOT_AIDED = "not_aided", "非受助"


class Student(models.Model):
    """A student on a school's roster, as imported from the national student-aid system.

    The ID number is unique across the province: one person on two schools' rosters
    is the fraud the system exists to find (一人多籍).
    """

    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="students", verbose_name="学校")
    name = models.CharField("姓名", max_length=64)
    id_number = models.CharField("身份证号", max_length=18, unique=True)
    gender = models.CharField("性别", max_length=8, choices=Gender.choices)
    student_number = models.CharField("学籍号", max_length=32, blank=True)
    grade = models.CharField("年级", max_length=32, blank=True)
    class_name = models.CharField("班级", max_length=64, blank=True)
    major = models.CharField("专业", max_length=64, blank=True)
    aid_status = models.CharField("资助状态", max_length=16, choices=AidStatus.choices)
    # The student's login for the phone check-in page (username = ID number), set up by the school.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="student_record",
        verbose_name="学生账号",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "学生"
        ordering = ["school_id", "grade", "class_name", "name", "id"]
        indexes = [models.Index(fields=["school", "grade", "class_name"], name="student_school_class")]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        from aidface.roster.idnumber import mask

        return mask(self.id_number)

    @property
    def is_aid_student(self) -> bool:
        """True for the students routine checks cover (受助或拟受助学生, Art. 3)."""
        return self.aid_status in (AidStatus.AIDED, AidStatus.PROPOSED)


class ImportStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已导入"
    DISCARDED = "discarded", "已放弃"


class RosterImport(models.Model):
    """An uploaded roster file awaiting the operator's confirmation.

    The file is kept only until it is confirmed or discarded. Afterwards only its
    SHA-256 and the counts remain.
    """

    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="roster_imports")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField("文件名", max_length=255)
    content = models.BinaryField("文件内容", null=True)
    sha256 = models.CharField(max_length=64)
    status = models.CharField("状态", max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True)
    counts = models.JSONField("统计", default=dict)

    class Meta:
        verbose_name = "名册导入"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name
