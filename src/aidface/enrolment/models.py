"""Enrolment (新增采集) at the terminal: card reads, consents, attempts, galleries, photos and appeals.

Photos and face templates are stored only encrypted (`aidface.crypto`). The associated
data of each blob names its table, row and kind, so a blob copied to another row fails
to decrypt.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q


class EnrolmentState(models.TextChoices):
    IN_PROGRESS = "in_progress", "采集中"
    VERIFICATION_FAILED = "verification_failed", "比对未通过"
    REFERENCE_UNUSABLE = "reference_unusable", "身份证照片无法识别，待人工审核"
    PROVISIONAL = "provisional", "暂时录入"
    APPEAL_PENDING = "appeal_pending", "佐证申诉审核中"
    AWAITING_DUPLICATE_REVIEW = "awaiting_duplicate_review", "疑似一人多籍，待审核"
    ENROLLED = "enrolled", "已采集"
    DUPLICATE_FRAUD = "duplicate_fraud", "确认一人多籍"
    RESET = "reset", "已重置"


# States that count as the student's one enrolment for the study period (Art. 6): a new
# card read is refused while the student's enrolment is in one of them.
FINISHED_STATES = frozenset(
    {
        EnrolmentState.PROVISIONAL,
        EnrolmentState.APPEAL_PENDING,
        EnrolmentState.AWAITING_DUPLICATE_REVIEW,
        EnrolmentState.ENROLLED,
        EnrolmentState.DUPLICATE_FRAUD,
    }
)


class Enrolment(models.Model):
    """The enrolment of one student; at most one per student that is not reset.

    `late` is set when the enrolment completed after the semester's enrolment deadline
    (Art. 6): the student then stays out of that semester's later routine checks.
    """

    student = models.ForeignKey("roster.Student", on_delete=models.PROTECT, related_name="enrolments", verbose_name="学生")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+", verbose_name="学校")
    semester = models.ForeignKey("roster.Semester", on_delete=models.PROTECT, related_name="+", verbose_name="学期")
    state = models.CharField("状态", max_length=32, choices=EnrolmentState.choices, default=EnrolmentState.IN_PROGRESS)
    late = models.BooleanField("逾期采集", default=False)
    guardian_consent_required = models.BooleanField("需监护人同意", default=False)
    terminal = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="终端机"
    )
    campus = models.ForeignKey("org.Campus", null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="校区")
    card_valid_until = models.DateField("证件有效期至", null=True)
    card_issuing_authority = models.CharField("签发机关", max_length=64, blank=True)
    started_at = models.DateTimeField("开始时间")
    completed_at = models.DateTimeField("完成时间", null=True)
    provisional_until = models.DateTimeField("暂时录入有效期至", null=True)

    class Meta:
        verbose_name = "新增采集"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["student"], condition=~Q(state="reset"), name="enrolment_one_per_student"),
        ]

    def __str__(self) -> str:
        return f"{self.student.name}的新增采集"

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED_STATES


class ConsentKind(models.TextChoices):
    STUDENT = "student", "学生本人"
    GUARDIAN = "guardian", "监护人"


class Consent(models.Model):
    """A consent to face collection given at the terminal, by the student or by a guardian of a minor."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField("同意人", max_length=16, choices=ConsentKind.choices)
    signer_name = models.CharField("姓名", max_length=64)
    relation = models.CharField("与学生关系", max_length=32, blank=True)
    given_at = models.DateTimeField("同意时间")
    terminal = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    campus = models.ForeignKey("org.Campus", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "采集同意"
        ordering = ["given_at", "id"]


class LivenessChallenge(models.Model):
    """A liveness challenge issued by the server; `used_at` makes its nonce single-use."""

    nonce = models.CharField(max_length=64, unique=True)
    enrolment = models.ForeignKey(Enrolment, null=True, on_delete=models.CASCADE, related_name="challenges")
    actions = models.JSONField()
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "活体检测请求"


class PhotoKind(models.TextChoices):
    CHIP = "chip", "身份证照片"
    LIVE = "live", "现场照片"
    EVIDENCE = "evidence", "手持身份证佐证照片"


class EnrolmentPhoto(models.Model):
    """One photo of an enrolment, encrypted at rest; never served as a static file."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField("类型", max_length=16, choices=PhotoKind.choices)
    content = models.BinaryField("加密内容")
    key_id = models.CharField("密钥编号", max_length=64)
    content_type = models.CharField(max_length=32)
    created_at = models.DateTimeField("拍摄时间")
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "采集照片"
        ordering = ["created_at", "id"]

    @property
    def associated_data(self) -> str:
        return f"enrolment_photo:{self.pk}:{self.enrolment_id}:{self.kind}"


class AttemptOutcome(models.TextChoices):
    PASSED = "passed", "通过"
    LIVENESS_FAILED = "liveness_failed", "活体检测未通过"
    MISMATCH = "mismatch", "与身份证照片不一致"
    REFERENCE_UNUSABLE = "reference_unusable", "身份证照片无法识别"


class EnrolmentAttempt(models.Model):
    """One capture at the terminal and its verification against the chip photo; every retry is kept (Art. 7)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField("次数")
    challenge = models.ForeignKey(LivenessChallenge, null=True, on_delete=models.SET_NULL, related_name="attempts")
    outcome = models.CharField("结果", max_length=32, choices=AttemptOutcome.choices)
    reasons = models.JSONField("原因", default=list)
    frame_count = models.PositiveSmallIntegerField("画面数", default=0)
    distance = models.FloatField("距离", null=True)
    similarity = models.FloatField("相似度", null=True)
    threshold = models.FloatField("阈值", null=True)
    model_id = models.CharField(max_length=64, blank=True)
    model_version = models.CharField(max_length=64, blank=True)
    # The live frames' descriptors (N×128 float32, encrypted), kept so that a provisional
    # registration or an approved appeal can build the gallery from this capture.
    descriptors = models.BinaryField(null=True)
    live_photo = models.OneToOneField(
        EnrolmentPhoto, null=True, on_delete=models.SET_NULL, related_name="attempt", verbose_name="现场照片"
    )
    terminal = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "采集比对记录"
        ordering = ["enrolment_id", "number"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "number"], name="attempt_unique_number")]

    @property
    def descriptors_associated_data(self) -> str:
        return f"enrolment_attempt:{self.pk}:{self.enrolment_id}:descriptors"


class TemplateKind(models.TextChoices):
    ENROLLED = "enrolled", "正式模板"
    PROVISIONAL = "provisional", "暂时录入模板"


class FaceTemplate(models.Model):
    """A student's gallery: descriptors of the chip photo and the good live frames, encrypted."""

    student = models.ForeignKey("roster.Student", on_delete=models.PROTECT, related_name="face_templates")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="templates")
    kind = models.CharField("类型", max_length=16, choices=TemplateKind.choices)
    model_id = models.CharField(max_length=64)
    model_version = models.CharField(max_length=64)
    descriptor_count = models.PositiveSmallIntegerField()
    includes_chip = models.BooleanField("含身份证照片", default=False)
    descriptors = models.BinaryField()
    key_id = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    valid_until = models.DateTimeField("有效期至", null=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "人脸模板"
        constraints = [
            models.UniqueConstraint(fields=["student"], condition=Q(active=True), name="template_one_active_per_student"),
        ]

    @property
    def associated_data(self) -> str:
        return f"face_template:{self.pk}:{self.student_id}:descriptors"


class AppealState(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"


class EvidenceAppeal(models.Model):
    """A school's appeal to its supervising office with an evidence photo (Art. 7)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="appeals")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    office = models.ForeignKey("org.AidOffice", on_delete=models.PROTECT, related_name="+", verbose_name="同级资助部门")
    evidence_photo = models.ForeignKey(EnrolmentPhoto, on_delete=models.PROTECT, related_name="+")
    attempt = models.ForeignKey(EnrolmentAttempt, on_delete=models.PROTECT, related_name="+", verbose_name="现场采集")
    previous_state = models.CharField(max_length=32, choices=EnrolmentState.choices)
    reason = models.TextField("申诉理由")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField("提交时间")
    state = models.CharField("状态", max_length=16, choices=AppealState.choices, default=AppealState.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("审核时间", null=True)
    comment = models.TextField("审核意见", blank=True)

    class Meta:
        verbose_name = "佐证申诉"
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment"], condition=Q(state="pending"), name="appeal_one_pending"),
        ]


class EnrolmentReset(models.Model):
    """A supervising office's reset of a finished enrolment, so the student may enrol again."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="reset_record")
    office = models.ForeignKey("org.AidOffice", on_delete=models.PROTECT, related_name="+")
    reset_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("重置理由")
    previous_state = models.CharField(max_length=32, choices=EnrolmentState.choices)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "采集重置"
