"""Reading check-in fraud signals within the user's jurisdiction.

Only office staff see fraud signals: they point at possible cheating by students or by a
school, so the school's own staff do not see them. An office sees a signal when it sees
the check and at least one of the signal's check-ins belongs to a school in its scope,
and of that signal it sees only those check-ins.
"""
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from aidface.checks.models import Check, CheckIn, FraudSignal, FraudSignalKind
from aidface.checks.selectors import visible_checks
from aidface.org import scope
from aidface.org.models import Role


def may_read_fraud_signals(user) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    return bool(user.is_superuser) or user.role == Role.OFFICE_STAFF


def office_fraud_signals(user) -> QuerySet[FraudSignal]:
    """Return the fraud signals of the checks the user sees, newest first, limited to the user's schools."""
    if not may_read_fraud_signals(user):
        return FraudSignal.objects.none()
    in_scope = FraudSignal.check_ins.through.objects.filter(checkin__school__in=scope.schools(user)).values("fraudsignal_id")
    return FraudSignal.objects.filter(pk__in=in_scope, check_record__in=visible_checks(user)).select_related(
        "check_record", "school"
    )


def filter_signals(
    signals: QuerySet[FraudSignal], *, kind: str = "", school_id: int | None = None, check_id: int | None = None
) -> QuerySet[FraudSignal]:
    """Narrow a signal list by kind, by a school taking part in it and by check."""
    if kind:
        signals = signals.filter(kind=kind)
    if school_id is not None:
        signals = signals.filter(pk__in=FraudSignal.check_ins.through.objects.filter(checkin__school=school_id).values("fraudsignal_id"))
    if check_id is not None:
        signals = signals.filter(check_record=check_id)
    return signals


def checks_with_signals(user) -> QuerySet[Check]:
    """Return the checks that have fraud signals the user sees, for the list page's filter."""
    return Check.objects.filter(pk__in=office_fraud_signals(user).values("check_record_id")).order_by("-starts_at", "-id")


@dataclass(frozen=True)
class SignalView:
    """A signal as a page shows it: its Chinese summary and the check-ins in the viewer's scope."""

    signal: FraudSignal
    summary: str
    check_ins: list[CheckIn]
    # Check-ins of the signal at schools outside the viewer's scope, counted but not shown.
    hidden_count: int


def with_visible_check_ins(user, signals: QuerySet[FraudSignal]) -> QuerySet[FraudSignal]:
    """Prefetch each signal's check-ins at schools in the user's scope, in one query for all signals."""
    visible = CheckIn.objects.filter(school__in=scope.schools(user)).select_related("student", "school").order_by("created_at", "id")
    return signals.prefetch_related(Prefetch("check_ins", queryset=visible, to_attr="visible_check_ins"))


def signal_views(signals) -> list[SignalView]:
    """Return page rows for signals fetched through `with_visible_check_ins`."""
    views = []
    for signal in signals:
        shown = signal.visible_check_ins
        total = signal.detail.get("check_ins", len(shown))
        views.append(SignalView(signal=signal, summary=summary(signal), check_ins=shown, hidden_count=max(0, total - len(shown))))
    return views


def fraud_signals_for(user, check: Check) -> list[SignalView]:
    """Return the fraud signals of one check that the user sees; an empty list for any role but office staff."""
    signals = office_fraud_signals(user).filter(check_record=check).order_by("kind", "created_at", "id")
    return signal_views(with_visible_check_ins(user, signals))


def summary(signal: FraudSignal) -> str:
    """Describe the signal's figures in one Chinese sentence."""
    detail = signal.detail
    students = detail.get("students", 0)
    check_ins = detail.get("check_ins", 0)
    kind = signal.kind
    if kind == FraudSignalKind.SHARED_DEVICE:
        return f"同一部手机为 {students} 名学生提交了 {check_ins} 次签到"
    if kind == FraudSignalKind.SAME_PHOTO:
        return f"{students} 名学生的签到照片完全相同（共 {check_ins} 次签到）"
    if kind == FraudSignalKind.NEAR_IDENTICAL_PHOTO:
        return f"{students} 名学生的签到照片几乎相同，疑为同一张照片翻拍或转存（共 {check_ins} 次签到）"
    if kind == FraudSignalKind.IDENTICAL_FIX:
        return f"{students} 名学生的定位坐标完全相同（{detail.get('latitude')}, {detail.get('longitude')}），真实手机定位不会如此一致"
    if kind == FraudSignalKind.REPEATED_CAPTURE:
        earlier = "、".join(str(check_id) for check_id in detail.get("earlier_check_ids", []))
        return f"签到照片与以往签到的照片重复，疑为重放旧照片（涉及抽查编号 {earlier}）"
    if kind == FraudSignalKind.CLOCK_SKEW:
        minutes = abs(detail.get("skew_seconds", 0)) / 60
        direction = "早于" if detail.get("skew_seconds", 0) > 0 else "晚于"
        return f"手机记录的采集时间{direction}服务器收到时间约 {minutes:.0f} 分钟，疑为重放或修改了手机时间"
    if kind == FraudSignalKind.IMPLAUSIBLE_ACCURACY:
        return f"手机上报的定位精度为 {detail.get('accuracy_m')} 米，真实手机不会报告低于 1 米的精度，疑为虚拟定位"
    return signal.get_kind_display()
