"""Routine and targeted checks, check-ins, forced-pass reviews, marks and month results.

A check (抽查) is launched by an aid office; its participants are the students it
covers, drawn when it starts. Every check-in attempt (phone or terminal) is kept with
its evidence photo, scores and reasons. Month results are derived from participants,
marks and approved appeals (DESIGN.md §2–§3) and stored per student and month.

Moments are stored in UTC; the month a check belongs to is the Asia/Shanghai month in
which it starts (`year`, `month`), so a check opened at 22:00 on the last day of a month
keeps its check-ins after midnight.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q


class CheckKind(models.TextChoices):
    ROUTINE = "routine", "例行抽查"
    TARGETED = "targeted", "定向抽查"


class SampleMethod(models.TextChoices):
    ALL = "all", "全部受助学生"
    COUNT = "count", "随机抽取人数"
    PERCENT = "percent", "随机抽取比例"
    NAMED = "named", "指定学生"


class Check(models.Model):
    """A routine (Art. 8–10) or targeted (Art. 16–17) check launched by an aid office.

    Nobody outside the launching office sees it before `starts_at`. Participants are
    drawn once, when the check starts (`participants_drawn_at`).
    """

    kind = models.CharField("抽查类型", max_length=16, choices=CheckKind.choices)
    office = models.ForeignKey("org.AidOffice", on_delete=models.PROTECT, related_name="checks", verbose_name="发起部门")
    semester = models.ForeignKey("roster.Semester", on_delete=models.PROTECT, related_name="+", verbose_name="学期")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    # The Asia/Shanghai year and month of `starts_at`: the month whose results the check feeds.
    year = models.PositiveSmallIntegerField("年份")
    month = models.PositiveSmallIntegerField("月份")
    random_start = models.BooleanField("当日随机时间", default=False)
    schools = models.ManyToManyField("org.School", through="CheckSchool", related_name="checks", verbose_name="学校")
    sample_method = models.CharField("抽取方式", max_length=16, choices=SampleMethod.choices, default=SampleMethod.ALL)
    # Number of students (count) or percentage (percent) of a targeted check's sample.
    sample_size = models.PositiveIntegerField("抽取数量", null=True, blank=True)
    # Seed of the random draw, recorded so the sample can be drawn again and shown to be fair.
    sample_seed = models.CharField("随机种子", max_length=64, blank=True)
    # Named students of a targeted check (student ids), used when sample_method is named.
    named_student_ids = models.JSONField("指定学生", default=list, blank=True)
    participants_drawn_at = models.DateTimeField("抽取名单时间", null=True, blank=True)
    launched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="发起人")
    launched_at = models.DateTimeField("发起时间")
    cancelled_at = models.DateTimeField("撤销时间", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="撤销人"
    )

    class Meta:
        verbose_name = "抽查"
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["office", "year", "month"], name="check_office_month"),
            models.Index(fields=["starts_at", "ends_at"], name="check_open_period"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.year}年{self.month}月）"


class CheckSchool(models.Model):
    """A school covered by a check; `notified_at` is when its home page first showed the notice."""

    check_record = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="check_schools", db_column="check_id")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    notified_at = models.DateTimeField("通知时间", null=True, blank=True)

    class Meta:
        verbose_name = "抽查学校"
        constraints = [models.UniqueConstraint(fields=["check_record", "school"], name="check_school_unique")]


class ParticipantStatus(models.TextChoices):
    PENDING = "pending", "未签到"
    PASSED = "passed", "签到通过"
    FAILED = "failed", "签到未通过"
    FORCED_PASS = "forced_pass", "强制通过（存疑）"


class Participant(models.Model):
    """A student covered by a check, with the outcome of the student's attempts so far.

    `status` is updated by every attempt: passed after a passing attempt (phone or
    terminal), failed while every attempt failed, forced_pass after the terminal fallback
    (Art. 13). A forced pass turned into a failure by the office's review becomes failed.
    A student who never attempted stays pending and counts as absent once the check closes.
    """

    check_record = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="participants", db_column="check_id")
    student = models.ForeignKey("roster.Student", on_delete=models.PROTECT, related_name="check_participations")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("签到状态", max_length=16, choices=ParticipantStatus.choices, default=ParticipantStatus.PENDING)
    phone_attempts = models.PositiveSmallIntegerField("手机签到次数", default=0)
    terminal_attempts = models.PositiveSmallIntegerField("终端机签到次数", default=0)
    decided_at = models.DateTimeField("结果时间", null=True, blank=True)

    class Meta:
        verbose_name = "抽查学生"
        ordering = ["check_record_id", "school_id", "student_id"]
        constraints = [models.UniqueConstraint(fields=["check_record", "student"], name="participant_unique")]
        indexes = [models.Index(fields=["student", "check_record"], name="participant_student")]


class Channel(models.TextChoices):
    PHONE = "phone", "手机"
    TERMINAL = "terminal", "终端机"


class CheckInOutcome(models.TextChoices):
    PASSED = "passed", "通过"
    LIVENESS_FAILED = "liveness_failed", "活体检测未通过"
    FACE_MISMATCH = "face_mismatch", "人脸比对未通过"
    OUTSIDE_GEOFENCE = "outside_geofence", "不在校园定位范围内"
    # The fix could not decide (accuracy worse than the policy limit, or an unusable fix);
    # such an attempt does not count against the attempt limit.
    LOCATION_RETRY = "location_retry", "定位精度不足，需重试"
    LOCATION_INVALID = "location_invalid", "定位数据无效"
    NO_TEMPLATE = "no_template", "无有效人脸模板"
    FORCED_PASS = "forced_pass", "强制通过"


class CheckInChallenge(models.Model):
    """A liveness challenge issued for one participant's check-in; `used_at` makes its nonce single-use."""

    nonce = models.CharField(max_length=64, unique=True)
    participant = models.ForeignKey(Participant, null=True, on_delete=models.CASCADE, related_name="challenges")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    actions = models.JSONField()
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "签到活体检测请求"


class CheckInPhotoKind(models.TextChoices):
    LIVE = "live", "签到照片"
    EVIDENCE = "evidence", "强制通过留证照片"


class CheckInPhoto(models.Model):
    """A check-in photo, encrypted at rest like enrolment photos; never a static file."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField("类型", max_length=16, choices=CheckInPhotoKind.choices)
    content = models.BinaryField("加密内容")
    key_id = models.CharField("密钥编号", max_length=64)
    content_type = models.CharField(max_length=32)
    # SHA-256 of the plaintext and its 64-bit perceptual hash (as 16 hex digits), for the
    # fraud signals "same photo" and "near-identical photo" across students.
    sha256 = models.CharField(max_length=64, db_index=True)
    perceptual_hash = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField("拍摄时间")

    class Meta:
        verbose_name = "签到照片"
        ordering = ["created_at", "id"]

    @property
    def associated_data(self) -> str:
        return f"check_in_photo:{self.pk}:{self.participant_id}:{self.kind}"


class CheckIn(models.Model):
    """One check-in attempt of a participant, on the phone or at a terminal, with its evidence.

    `number` counts the participant's attempts per channel. The location fields store the
    fix as the phone sent it, its WGS-84 conversion and the distance to the nearest
    approved campus. A terminal attempt takes the terminal's campus as its location.
    """

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="check_ins")
    check_record = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="check_ins", db_column="check_id")
    student = models.ForeignKey("roster.Student", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField("方式", max_length=16, choices=Channel.choices)
    number = models.PositiveSmallIntegerField("次数")
    outcome = models.CharField("结果", max_length=32, choices=CheckInOutcome.choices)
    # [{"code": ..., "message": ...}], the Chinese message as the student saw it.
    reasons = models.JSONField("原因", default=list)
    challenge = models.ForeignKey(CheckInChallenge, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    frame_count = models.PositiveSmallIntegerField("画面数", default=0)
    face_distance = models.FloatField("人脸距离", null=True, blank=True)
    similarity = models.FloatField("相似度", null=True, blank=True)
    threshold = models.FloatField("阈值", null=True, blank=True)
    model_id = models.CharField(max_length=64, blank=True)
    model_version = models.CharField(max_length=64, blank=True)
    photo = models.ForeignKey(CheckInPhoto, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The location fix as sent by the phone.
    latitude = models.DecimalField("纬度", max_digits=10, decimal_places=7, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=10, decimal_places=7, null=True, blank=True)
    accuracy_m = models.FloatField("定位精度（米）", null=True, blank=True)
    coord_system = models.CharField("坐标系", max_length=8, blank=True)
    captured_at = models.DateTimeField("采集时间（手机）", null=True, blank=True)
    wgs84_latitude = models.FloatField(null=True, blank=True)
    wgs84_longitude = models.FloatField(null=True, blank=True)
    geofence_distance_m = models.FloatField("距最近校区（米）", null=True, blank=True)
    campus = models.ForeignKey("org.Campus", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    terminal = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="终端机"
    )
    # A stable id of the phone (a random id kept in the page's local storage, hashed), for
    # the fraud signal "one phone, several students".
    device_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "签到记录"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "channel", "number"], name="check_in_unique_number")
        ]
        indexes = [
            models.Index(fields=["check_record", "created_at"], name="check_in_check_time"),
            # For the fraud signal "identical location fixes" within one check.
            models.Index(fields=["check_record", "latitude", "longitude"], name="check_in_check_fix"),
        ]


class ReviewState(models.TextChoices):
    PENDING = "pending", "待复核"
    CONFIRMED = "confirmed", "确认通过"
    FAILED = "failed", "改为未通过"


class ForcedPassReview(models.Model):
    """The supervising office's two-person review of a forced pass (Art. 13).

    The first reviewer records a proposal; a second, different reviewer decides, and the
    second decision is final. It must be decided before the month's appeal window closes
    (`due_at`); an undecided review leaves the forced pass standing.
    """

    check_in = models.OneToOneField(CheckIn, on_delete=models.PROTECT, related_name="review")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="reviews")
    office = models.ForeignKey("org.AidOffice", on_delete=models.PROTECT, related_name="+", verbose_name="同级资助部门")
    state = models.CharField("复核状态", max_length=16, choices=ReviewState.choices, default=ReviewState.PENDING)
    due_at = models.DateTimeField("复核截止时间")
    first_reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    first_decision = models.CharField(max_length=16, choices=ReviewState.choices, blank=True)
    first_comment = models.TextField(blank=True)
    first_at = models.DateTimeField(null=True, blank=True)
    second_reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    second_decision = models.CharField(max_length=16, choices=ReviewState.choices, blank=True)
    second_comment = models.TextField(blank=True)
    second_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "强制通过复核"
        ordering = ["due_at", "id"]


class MarkReason(models.TextChoices):
    LEAVE = "leave", "请假"
    TRAINING = "training", "实训"
    INTERNSHIP = "internship", "实习"


class Mark(models.Model):
    """A school's mark of a student for a month (Art. 12): the month passes (marked pass).

    Allowed only while the month is unlocked; a withdrawn mark keeps its row with
    `withdrawn_at` set, so the history stays visible to the office.
    """

    student = models.ForeignKey("roster.Student", on_delete=models.PROTECT, related_name="marks")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年份")
    month = models.PositiveSmallIntegerField("月份")
    reason = models.CharField("原因", max_length=16, choices=MarkReason.choices)
    note = models.TextField("说明", blank=True)
    # Optional attachment (a leave note, a training notice), encrypted like photos.
    attachment = models.BinaryField("附件", null=True, blank=True)
    attachment_name = models.CharField("附件名", max_length=255, blank=True)
    attachment_type = models.CharField(max_length=64, blank=True)
    attachment_key_id = models.CharField(max_length=64, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField("标示时间")
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "标示通过"
        ordering = ["-marked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "year", "month"], condition=Q(withdrawn_at__isnull=True), name="mark_one_active"
            )
        ]

    @property
    def attachment_associated_data(self) -> str:
        return f"mark_attachment:{self.pk}:{self.student_id}"


class MonthState(models.TextChoices):
    ABSENT = "absent", "未参加"
    NORMAL = "normal", "正常考勤"
    MARKED_PASS = "marked_pass", "标示通过"
    FORCED_PASS = "forced_pass", "强制通过"
    FAILED = "failed", "未通过"
    NOT_REQUIRED = "not_required", "无需参加"
    APPEAL_NORMAL = "appeal_normal", "改为正常"


PASSING_STATES = frozenset(
    {MonthState.NORMAL, MonthState.MARKED_PASS, MonthState.FORCED_PASS, MonthState.APPEAL_NORMAL}
)
NORMAL_ATTENDANCE_STATES = frozenset({MonthState.NORMAL, MonthState.APPEAL_NORMAL})


class MonthResult(models.Model):
    """A student's result for one month of a semester's routine window (DESIGN.md §3).

    Recomputed on every change while the month is unlocked. After the lock only an
    approved appeal changes it (to appeal_normal, `appeal_ref` naming the appeal).
    `source` names what decided the state: "routine:<check id>", "targeted:<check id>",
    "mark:<mark id>", "internship:<record id>", "appeal:<appeal id>" or "".
    """

    student = models.ForeignKey("roster.Student", on_delete=models.PROTECT, related_name="month_results")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey("roster.Semester", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年份")
    month = models.PositiveSmallIntegerField("月份")
    state = models.CharField("结果", max_length=16, choices=MonthState.choices)
    # The state before an approved appeal changed it, kept for the record and the exports.
    state_before_appeal = models.CharField(max_length=16, choices=MonthState.choices, blank=True)
    source = models.CharField("依据", max_length=64, blank=True)
    mark_reason = models.CharField(max_length=16, choices=MarkReason.choices, blank=True)
    appeal_ref = models.CharField(max_length=64, blank=True)
    locked = models.BooleanField("已锁定", default=False)
    locked_at = models.DateTimeField("锁定时间", null=True, blank=True)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "月度抽查结果"
        ordering = ["year", "month", "school_id", "student_id"]
        constraints = [models.UniqueConstraint(fields=["student", "year", "month"], name="month_result_unique")]
        indexes = [
            models.Index(fields=["school", "year", "month"], name="month_result_school"),
            models.Index(fields=["semester", "state"], name="month_result_semester_state"),
        ]

    @property
    def is_passing(self) -> bool:
        return self.state in PASSING_STATES

    @property
    def is_normal_attendance(self) -> bool:
        return self.state in NORMAL_ATTENDANCE_STATES


class FraudSignalKind(models.TextChoices):
    SHARED_DEVICE = "shared_device", "同一手机为多名学生签到"
    SAME_PHOTO = "same_photo", "不同学生使用相同照片"
    NEAR_IDENTICAL_PHOTO = "near_identical_photo", "不同学生照片高度相似"
    IDENTICAL_FIX = "identical_fix", "定位坐标完全相同"
    REPEATED_CAPTURE = "repeated_capture", "照片与以往签到重复"
    CLOCK_SKEW = "clock_skew", "采集时间与服务器时间相差过大"
    IMPLAUSIBLE_ACCURACY = "implausible_accuracy", "定位精度异常"


class FraudSignal(models.Model):
    """A suspicious pattern found among a check's check-ins, shown to the office.

    `check_ins` lists every check-in involved, and `detail` stores the figures (no ID
    number and no photo).
    """

    check_record = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="fraud_signals", db_column="check_id")
    kind = models.CharField("类型", max_length=32, choices=FraudSignalKind.choices)
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    check_ins = models.ManyToManyField(CheckIn, related_name="fraud_signals")
    detail = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "作弊风险提示"
        ordering = ["-created_at", "-id"]
