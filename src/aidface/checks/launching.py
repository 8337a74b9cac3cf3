"""Launching and cancelling routine checks (Art. 8–10) and targeted checks (Art. 16–17).

A check is unannounced: only the launching office sees it before `starts_at`, and its
participants are drawn when it starts (`checks.participants`). Windows and limits come
from the launching office's effective policy.
"""
from __future__ import annotations

import logging
import math
import random
import secrets
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from aidface.audit.services import record
from aidface.checks.errors import CheckError
from aidface.checks.locking import is_month_locked
from aidface.checks.models import Check, CheckKind, CheckSchool, SampleMethod
from aidface.enrolment.models import FaceTemplate, TemplateKind
from aidface.org import scope
from aidface.org.models import Campus, Role, School, User
from aidface.policy.calendar import (
    SHANGHAI,
    LocalWindow,
    local_day,
    semester_calendar,
    semester_of_moment,
    start_of_day,
)
from aidface.policy.selectors import effective_policy_for_office
from aidface.policy.values import Policy
from aidface.roster.models import AidStatus, Student
from aidface.roster.services import semester_at

logger = logging.getLogger(__name__)

# A start a few minutes in the past is accepted: the form was filled in before the
# minute ticked over. The check then opens at once.
START_GRACE = timedelta(minutes=5)
AID_STATUSES = (AidStatus.AIDED, AidStatus.PROPOSED)


def _check_may_launch(user: User) -> None:
    if not (user and user.is_authenticated and user.is_active and user.role == Role.OFFICE_STAFF and user.office_id):
        raise CheckError("not_office_staff", "只有资助部门工作人员可以发起抽查。")


def _check_duration(duration_minutes: int, maximum: int, kind_label: str) -> None:
    if not isinstance(duration_minutes, int) or duration_minutes < 1:
        raise CheckError("invalid_duration", "抽查持续时间须为正整数（分钟），请重新填写。")
    if duration_minutes > maximum:
        raise CheckError(
            "too_long",
            f"{kind_label}持续时间不能超过 {maximum} 分钟（{maximum / 60:g} 小时），当前为 {duration_minutes} 分钟，请缩短。",
        )


def _check_start_not_past(starts_at: datetime, now: datetime) -> None:
    if starts_at < now - START_GRACE:
        raise CheckError(
            "start_in_past",
            f"开始时间 {starts_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 已过，请选择现在或以后的时间。",
        )


def routine_window_for(policy: Policy, moment: datetime) -> LocalWindow:
    """Return the routine window of the semester containing `moment` (Art. 9)."""
    year, term = semester_of_moment(moment)
    return semester_calendar(policy, year, term).routine_window


def _check_inside_routine_window(starts_at: datetime, ends_at: datetime, window: LocalWindow) -> None:
    if not (window.contains(starts_at) and ends_at <= window.ends_at):
        raise CheckError(
            "outside_window",
            f"例行抽查须在本学期例行抽查期内开始并结束（{window}），"
            f"所选时间为 {starts_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 至 {ends_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}，请重新选择。",
        )


def random_start_today(
    *, now: datetime, duration_minutes: int, window: LocalWindow, rng: random.Random
) -> datetime:
    """Pick a random whole-minute start from now on so that the check ends inside today and the window."""
    today = local_day(now)
    if not window.includes_day(today):
        raise CheckError("outside_window", f"今天（{today:%Y-%m-%d}）不在本学期例行抽查期内（{window}），不能随机安排今日抽查。")

    duration = timedelta(minutes=duration_minutes)
    end_limit = min(start_of_day(today + timedelta(days=1)), window.ends_at)
    latest = end_limit - duration
    # Round up to the next whole minute so the start is never before `now`.
    earliest = now.astimezone(SHANGHAI).replace(second=0, microsecond=0)
    if earliest < now:
        earliest += timedelta(minutes=1)
    if latest < earliest:
        raise CheckError(
            "no_time_left_today",
            f"今天剩余时间不足 {duration_minutes} 分钟，无法在今日内完成抽查，请缩短持续时间或另选日期。",
        )
    minutes = int((latest - earliest).total_seconds() // 60)
    return earliest + timedelta(minutes=rng.randint(0, minutes))


def routine_schools(office) -> list[School]:
    """Return the office's direct schools that have an approved campus; only they can take part (Art. 8, 22)."""
    usable = Campus.objects.usable().filter(school=OuterRef("pk"))
    return list(scope.direct_schools(office).filter(Exists(usable)).order_by("code"))


def _create_check(*, user: User, kind: str, starts_at: datetime, ends_at: datetime, now: datetime, schools, **fields) -> Check:
    local_start = starts_at.astimezone(SHANGHAI)
    check = Check.objects.create(
        kind=kind,
        office=user.office,
        semester=semester_at(starts_at),
        starts_at=starts_at,
        ends_at=ends_at,
        year=local_start.year,
        month=local_start.month,
        launched_by=user,
        launched_at=now,
        **fields,
    )
    CheckSchool.objects.bulk_create([CheckSchool(check_record=check, school=school) for school in schools])
    return check


def launch_routine_check(
    *,
    user: User,
    day: date | None,
    start_time: time | None,
    random_time_today: bool,
    duration_minutes: int,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> Check:
    """Launch a routine check of every aid student of the office's direct schools (Art. 8–10).

    The start is `day` at `start_time` (Asia/Shanghai), or with `random_time_today` a
    random moment from now on such that the check ends today. Start and end must lie
    inside the semester's routine window.
    """
    _check_may_launch(user)
    now = now or timezone.now()
    office = user.office
    policy = effective_policy_for_office(office)
    _check_duration(duration_minutes, policy.routine_check_max_minutes, "例行抽查")

    window = routine_window_for(policy, now)
    if random_time_today:
        starts_at = random_start_today(now=now, duration_minutes=duration_minutes, window=window, rng=rng or random.SystemRandom())
    else:
        if day is None or start_time is None:
            raise CheckError("missing_start", "请选择抽查日期和开始时间，或选择“今日随机时间”。")
        starts_at = datetime.combine(day, start_time, tzinfo=SHANGHAI)
        window = routine_window_for(policy, starts_at)
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    _check_start_not_past(starts_at, now)
    _check_inside_routine_window(starts_at, ends_at, window)

    schools = routine_schools(office)
    if not schools:
        raise CheckError(
            "no_schools",
            "本部门没有可参加例行抽查的直属学校（须至少有一个经省级审核通过的校区），请先完成校区审核。",
        )

    with transaction.atomic():
        check = _create_check(
            user=user,
            kind=CheckKind.ROUTINE,
            starts_at=starts_at,
            ends_at=ends_at,
            now=now,
            schools=schools,
            random_start=random_time_today,
            sample_method=SampleMethod.ALL,
        )
        record(
            user=user,
            action="check.launch_routine",
            target=check,
            detail={
                "starts_at": starts_at,
                "ends_at": ends_at,
                "random_start": random_time_today,
                "school_ids": [school.pk for school in schools],
            },
        )
    logger.info("routine check id=%s launched office=%s schools=%s", check.pk, office.pk, len(schools))
    return check


def _targeted_schools(user: User, school_ids: list[int]) -> list[School]:
    if not school_ids:
        raise CheckError("no_schools", "请至少选择一所学校。")
    requested = set(school_ids)
    # Schools below the office: those its own office and every office under it run (Art. 16).
    found = list(scope.schools(user).filter(pk__in=requested).select_related("supervising_office").order_by("code"))
    if len(found) != len(requested):
        raise CheckError("not_in_scope", "所选学校中有不属于本部门辖区的学校，请重新选择。")
    return found


def _check_targeted_month_unlocked(schools: list[School], starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    """Reject a targeted check that starts in a month already locked for a school (Art. 14, 17).

    A check may stay open past its month's lock (22:00 on the last day of a month until
    01:00): its check-ins belong to the month it started in, whose results become final
    only when it ends (`checks.locking.results_final_at`).

    Each school follows its supervising office's policy, so the December lock day may differ.
    """
    local_start = starts_at.astimezone(SHANGHAI)
    policies: dict[int, Policy] = {}
    for school in schools:
        if school.supervising_office_id not in policies:
            policies[school.supervising_office_id] = effective_policy_for_office(school.supervising_office)
        policy = policies[school.supervising_office_id]
        if is_month_locked(school=school, year=local_start.year, month=local_start.month, at=max(starts_at, now), policy=policy):
            raise CheckError(
                "month_locked",
                f"{school.name}{local_start.year}年{local_start.month}月的抽查结果已锁定，定向抽查不能安排在已锁定的月份。",
            )


def eligible_sample_students(*, school_ids: list[int], at: datetime):
    """Return the aid students of the schools with an active gallery at `at`: the pool of a targeted check."""
    active = FaceTemplate.objects.filter(
        Q(kind=TemplateKind.ENROLLED) | Q(valid_until__gt=at), student=OuterRef("pk"), active=True
    )
    return Student.objects.filter(school_id__in=school_ids, aid_status__in=AID_STATUSES).filter(Exists(active))


def _check_named_students(student_ids: list[int], schools: list[School], starts_at: datetime) -> list[int]:
    requested = sorted(set(student_ids))
    if not requested:
        raise CheckError("no_students", "请至少指定一名学生。")
    school_ids = [school.pk for school in schools]
    found = set(Student.objects.filter(pk__in=requested, school_id__in=school_ids).values_list("pk", flat=True))
    if len(found) != len(requested):
        raise CheckError("student_not_in_schools", f"有 {len(requested) - len(found)} 名指定学生不在所选学校的名册中，请重新选择。")
    eligible_students = eligible_sample_students(school_ids=school_ids, at=starts_at).filter(pk__in=requested)
    eligible = set(eligible_students.values_list("pk", flat=True))
    missing = [pk for pk in requested if pk not in eligible]
    if missing:
        names = "、".join(Student.objects.filter(pk__in=missing[:5]).order_by("name").values_list("name", flat=True))
        raise CheckError(
            "student_not_eligible",
            f"有 {len(missing)} 名指定学生不是受助或拟受助学生，或没有有效的人脸模板（{names}{'等' if len(missing) > 5 else ''}），请移除后再发起。",
        )
    return requested


def _check_sample(sample_method: str, sample_size: int | None) -> None:
    if sample_method == SampleMethod.COUNT:
        if not isinstance(sample_size, int) or sample_size < 1:
            raise CheckError("invalid_sample_size", "随机抽取人数须为正整数，请重新填写。")
    elif sample_method == SampleMethod.PERCENT:
        if not isinstance(sample_size, int) or not 1 <= sample_size <= 100:
            raise CheckError("invalid_sample_size", "随机抽取比例须为 1 到 100 之间的整数（百分比），请重新填写。")
    elif sample_method != SampleMethod.NAMED:
        raise CheckError("invalid_sample_method", "请选择抽取方式：随机抽取人数、随机抽取比例或指定学生。")


def launch_targeted_check(
    *,
    user: User,
    school_ids: list[int],
    starts_at: datetime | None,
    duration_minutes: int,
    sample_method: str,
    sample_size: int | None,
    named_student_ids: list[int],
    seed: str | None = None,
    now: datetime | None = None,
) -> Check:
    """Launch a targeted check of some aid students of schools below the office (Art. 16–17).

    The sample is a number or a percentage of the eligible students, drawn when the
    check starts with `random.Random(seed)` (the seed is recorded), or named students.
    `starts_at` None means now. Any day of the semester is allowed except in a locked month.
    """
    _check_may_launch(user)
    now = now or timezone.now()
    policy = effective_policy_for_office(user.office)
    _check_duration(duration_minutes, policy.targeted_check_max_minutes, "定向抽查")
    starts_at = starts_at or now
    if starts_at.tzinfo is None:
        raise CheckError("invalid_start", "开始时间缺少时区，请重新选择。")
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    _check_start_not_past(starts_at, now)

    schools = _targeted_schools(user, school_ids)
    _check_targeted_month_unlocked(schools, starts_at, ends_at, now)
    _check_sample(sample_method, sample_size)
    named = _check_named_students(named_student_ids, schools, starts_at) if sample_method == SampleMethod.NAMED else []
    if sample_method != SampleMethod.NAMED:
        seed = (seed or "").strip() or secrets.token_hex(16)
        if len(seed) > 64:
            raise CheckError("invalid_seed", "随机种子不能超过 64 个字符。")

    with transaction.atomic():
        check = _create_check(
            user=user,
            kind=CheckKind.TARGETED,
            starts_at=starts_at,
            ends_at=ends_at,
            now=now,
            schools=schools,
            sample_method=sample_method,
            sample_size=sample_size if sample_method != SampleMethod.NAMED else None,
            sample_seed=seed if sample_method != SampleMethod.NAMED else "",
            named_student_ids=named,
        )
        record(
            user=user,
            action="check.launch_targeted",
            target=check,
            detail={
                "starts_at": starts_at,
                "ends_at": ends_at,
                "school_ids": [school.pk for school in schools],
                "sample_method": sample_method,
                "sample_size": check.sample_size,
                "sample_seed": check.sample_seed,
                "named_count": len(named),
            },
        )
    logger.info("targeted check id=%s launched office=%s schools=%s method=%s", check.pk, user.office_id, len(schools), sample_method)
    return check


def sample_count(sample_method: str, sample_size: int | None, eligible: int) -> int:
    """Return how many students a count or percent sample takes from `eligible` students (percent rounds up)."""
    if sample_method == SampleMethod.COUNT:
        return min(sample_size or 0, eligible)
    if sample_method == SampleMethod.PERCENT:
        return min(math.ceil(eligible * (sample_size or 0) / 100), eligible)
    raise ValueError(f"sample method {sample_method!r} has no count")


def draw_sample(*, seed: str, eligible_ids: list[int], count: int) -> list[int]:
    """Draw `count` student ids with `random.Random(seed)` over the sorted ids, so anyone can repeat the draw."""
    return sorted(random.Random(seed).sample(sorted(eligible_ids), count))


def cancel_check(*, user: User, check: Check, now: datetime | None = None) -> Check:
    """Cancel a check before it starts; only staff of the launching office may."""
    now = now or timezone.now()
    with transaction.atomic():
        check = Check.objects.select_for_update().get(pk=check.pk)
        if not (user.role == Role.OFFICE_STAFF and user.office_id == check.office_id):
            raise CheckError("not_launching_office", "只有发起抽查的资助部门可以撤销该抽查。")
        if check.cancelled_at is not None:
            raise CheckError("already_cancelled", "该抽查已撤销。")
        if now >= check.starts_at:
            raise CheckError("already_started", "抽查已经开始，不能撤销。")

        check.cancelled_at = now
        check.cancelled_by = user
        check.save(update_fields=["cancelled_at", "cancelled_by"])
        record(user=user, action="check.cancel", target=check, detail={"starts_at": check.starts_at})
    logger.info("check id=%s cancelled by user_id=%s", check.pk, user.pk)
    return check
