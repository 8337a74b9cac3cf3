"""What an office may change in its policy, and how far (Art. 24).

Cities and counties write local implementing rules within the regulation, so an
override may only make a rule stricter than the policy of the office above. Stricter
means an earlier enrolment deadline, a shorter routine window, a shorter maximum check
duration, a smaller geofence radius, a tighter accuracy limit, fewer phone attempts,
more terminal attempts before a forced pass or more routine months. The province is
bound the same way by the regulation's values in `PROVINCE_DEFAULTS`. The lock days,
appeal windows and interpretation switches decide every school's eligibility alike, so
only the province office may change them.

Every error message is a Chinese sentence for the office staff who entered the value.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from aidface.policy.calendar import SEMESTER_MONTHS, Term
from aidface.policy.values import DayWindow, MonthDay, Policy


class PolicyValueError(ValueError):
    """An override value that is malformed or outside its limits, with a Chinese `message` for people."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


class Rule(enum.Enum):
    NOT_LATER = "not_later"
    INSIDE = "inside"
    NOT_LOWER = "not_lower"
    NOT_HIGHER = "not_higher"
    MAY_ENABLE = "may_enable"
    PROVINCE_ONLY = "province_only"


class Kind(enum.Enum):
    MONTH_DAY = "month_day"
    WINDOW = "window"
    INTEGER = "integer"
    SWITCH = "switch"
    ACTIONS = "actions"


@dataclass(frozen=True)
class Setting:
    key: str
    label: str
    kind: Kind
    rule: Rule
    unit: str = ""
    minimum: int | None = None
    maximum: int | None = None


SETTINGS: dict[str, Setting] = {
    setting.key: setting
    for setting in [
        Setting("spring_enrolment_deadline", "春季新增采集截止日", Kind.MONTH_DAY, Rule.NOT_LATER),
        Setting("autumn_enrolment_deadline", "秋季新增采集截止日", Kind.MONTH_DAY, Rule.NOT_LATER),
        Setting("spring_routine_window", "春季例行抽查时段", Kind.WINDOW, Rule.INSIDE),
        Setting("autumn_routine_window", "秋季例行抽查时段", Kind.WINDOW, Rule.INSIDE),
        Setting("min_routine_months", "每学期例行抽查最少月数", Kind.INTEGER, Rule.NOT_LOWER, "个月", 1, 6),
        Setting("routine_check_max_minutes", "例行抽查最长时长", Kind.INTEGER, Rule.NOT_HIGHER, "分钟", 10),
        Setting("targeted_check_max_minutes", "定向抽查最长时长", Kind.INTEGER, Rule.NOT_HIGHER, "分钟", 10),
        Setting("december_lock_day", "12月锁定日（该日之后锁定）", Kind.INTEGER, Rule.PROVINCE_ONLY, "日", 1, 27),
        Setting("monthly_appeal_last_day", "月度申诉截止日（次月）", Kind.INTEGER, Rule.PROVINCE_ONLY, "日", 1, 28),
        Setting("december_appeal_window", "12月申诉时段", Kind.WINDOW, Rule.PROVINCE_ONLY),
        Setting("spring_semester_appeal_window", "春季学期申诉时段", Kind.WINDOW, Rule.PROVINCE_ONLY),
        Setting("autumn_semester_appeal_window", "秋季学期申诉时段", Kind.WINDOW, Rule.PROVINCE_ONLY),
        Setting("geofence_radius_m", "定位半径", Kind.INTEGER, Rule.NOT_HIGHER, "米", 100),
        Setting("location_accuracy_limit_m", "定位精度上限", Kind.INTEGER, Rule.NOT_HIGHER, "米", 10),
        Setting("geofence_adds_accuracy", "按“距离＋定位精度”判断是否在校内", Kind.SWITCH, Rule.MAY_ENABLE),
        Setting("phone_attempts_per_check", "每次抽查手机识别次数", Kind.INTEGER, Rule.NOT_HIGHER, "次", 1),
        Setting(
            "terminal_attempts_before_forced_pass", "强制通过前终端机识别次数", Kind.INTEGER, Rule.NOT_LOWER, "次", 1, 5
        ),
        Setting("month_takes_best_routine_result", "同月多次例行抽查取最好结果", Kind.SWITCH, Rule.PROVINCE_ONLY),
        Setting("targeted_overrides_routine", "定向抽查结果覆盖未锁定的当月例行抽查结果", Kind.SWITCH, Rule.PROVINCE_ONLY),
        Setting("forced_pass_counts_as_passing", "强制通过计入通过月数", Kind.SWITCH, Rule.PROVINCE_ONLY),
        Setting("internship_month_counts_as_passing", "整月岗位实习计为通过", Kind.SWITCH, Rule.PROVINCE_ONLY),
        Setting(
            "internship_whole_period_eligible", "离校确认通过且全程实习的学生保留资格", Kind.SWITCH, Rule.PROVINCE_ONLY
        ),
        Setting(
            "undecided_appeal_expires_at_month_end", "未处理的月度申诉到申诉时段所在月末失效", Kind.SWITCH, Rule.PROVINCE_ONLY
        ),
        Setting("late_enrolment_allowed", "允许逾期新增采集", Kind.SWITCH, Rule.PROVINCE_ONLY),
        Setting("late_students_skip_routine_checks", "逾期采集的学生不参加本学期例行抽查", Kind.SWITCH, Rule.PROVINCE_ONLY),
        Setting("liveness_actions", "活体检测动作", Kind.ACTIONS, Rule.PROVINCE_ONLY),
    ]
}


def parse_value(key: str, raw: object) -> object:
    """Turn a stored or submitted value into the policy's type, or raise PolicyValueError."""
    setting = _setting(key)
    try:
        match setting.kind:
            case Kind.MONTH_DAY:
                return MonthDay.parse(str(raw))
            case Kind.WINDOW:
                return DayWindow.parse(str(raw))
            case Kind.INTEGER:
                if isinstance(raw, bool):
                    raise ValueError("a switch is not a number")
                return int(str(raw).strip())
            case Kind.SWITCH:
                if isinstance(raw, bool):
                    return raw
                if str(raw).strip().lower() in {"true", "1", "是"}:
                    return True
                if str(raw).strip().lower() in {"false", "0", "否"}:
                    return False
                raise ValueError(f"{raw!r} is not a switch value")
            case Kind.ACTIONS:
                return _parse_actions(raw)
    except ValueError:
        if setting.kind is Kind.ACTIONS:
            raise PolicyValueError(key, f"“{setting.label}”{_format_hint(setting.kind)}。") from None
        raise PolicyValueError(key, f"“{setting.label}”的值“{raw}”格式不正确，{_format_hint(setting.kind)}。") from None
    raise AssertionError(f"unknown kind {setting.kind}")


def serialise_value(value: object) -> object:
    """Return the JSON form that `parse_value` reads back."""
    if isinstance(value, MonthDay | DayWindow):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def check_value(key: str, value: object, *, parent: Policy, is_province: bool) -> None:
    """Raise PolicyValueError when `value` may not override `parent`'s value of `key`."""
    setting = _setting(key)
    allowed = getattr(parent, key)
    allowed_text = serialise_value(allowed)
    label = setting.label

    if setting.minimum is not None and value < setting.minimum:
        raise PolicyValueError(key, f"“{label}”不能小于 {setting.minimum}{setting.unit}。")
    if setting.maximum is not None and value > setting.maximum:
        raise PolicyValueError(key, f"“{label}”不能大于 {setting.maximum}{setting.unit}。")

    match setting.rule:
        case Rule.PROVINCE_ONLY:
            if not is_province:
                raise PolicyValueError(key, f"“{label}”由省级资助部门统一设置，市、县不能修改。")
        case Rule.NOT_LATER if value > allowed:
            raise PolicyValueError(key, f"“{label}”只能提前，不能晚于上级规定的 {allowed_text}。")
        case Rule.INSIDE if not allowed.contains(value):
            raise PolicyValueError(key, f"“{label}”只能缩短，必须在上级规定的 {allowed_text} 之内。")
        case Rule.NOT_LOWER if value < allowed:
            raise PolicyValueError(key, f"“{label}”不能少于上级规定的 {allowed_text}{setting.unit}。")
        case Rule.NOT_HIGHER if value > allowed:
            raise PolicyValueError(key, f"“{label}”不能超过上级规定的 {allowed_text}{setting.unit}。")
        case Rule.MAY_ENABLE if allowed and not value:
            raise PolicyValueError(key, f"上级要求“{label}”，下级不能关闭。")


def check_policy(policy: Policy) -> None:
    """Raise PolicyValueError when the dates of a whole policy contradict each other."""
    for term, prefix in ((Term.SPRING, "spring"), (Term.AUTUMN, "autumn")):
        months = SEMESTER_MONTHS[term]
        for key in (f"{prefix}_enrolment_deadline", f"{prefix}_routine_window", f"{prefix}_semester_appeal_window"):
            value = getattr(policy, key)
            first, last = (value, value) if isinstance(value, MonthDay) else (value.first, value.last)
            if first.month not in months or last.month not in months:
                raise PolicyValueError(
                    key, f"“{SETTINGS[key].label}”必须在{term.label}学期（{months[0]}月至{months[-1]}月）之内。"
                )
        window = getattr(policy, f"{prefix}_routine_window")
        month_count = window.last.month - window.first.month + 1
        if policy.min_routine_months > month_count:
            raise PolicyValueError(
                "min_routine_months",
                f"{term.label}例行抽查时段只跨 {month_count} 个月，少于“每学期例行抽查最少月数”{policy.min_routine_months}。",
            )

    december_lock = MonthDay(12, policy.december_lock_day)
    if policy.autumn_routine_window.last > december_lock:
        raise PolicyValueError(
            "autumn_routine_window", f"秋季例行抽查必须在 12 月锁定（{december_lock} 之后）前结束。"
        )
    if policy.december_appeal_window.first <= december_lock or policy.december_appeal_window.first.month != 12:
        raise PolicyValueError("december_appeal_window", f"12月申诉时段必须在 12 月 {december_lock} 锁定之后。")
    if policy.autumn_semester_appeal_window.first <= policy.december_appeal_window.last:
        raise PolicyValueError("autumn_semester_appeal_window", "秋季学期申诉时段必须在 12 月月度申诉时段之后。")


def _setting(key: str) -> Setting:
    try:
        return SETTINGS[key]
    except KeyError:
        raise PolicyValueError(key, f"没有名为“{key}”的规则项。") from None


def _format_hint(kind: Kind) -> str:
    return {
        Kind.MONTH_DAY: "请按“月-日”填写，例如 04-20",
        Kind.WINDOW: "请按“月-日..月-日”填写，例如 03-01..05-31",
        Kind.INTEGER: "请填写整数",
        Kind.SWITCH: "请选择“是”或“否”",
        Kind.ACTIONS: f"请在{'、'.join(LIVENESS_ACTION_LABELS.values())}中至少勾选 {MIN_LIVENESS_ACTIONS} 项",
    }[kind]


LIVENESS_ACTIONS = ("blink", "open_mouth", "turn_left", "turn_right")
LIVENESS_ACTION_LABELS = {"blink": "眨眼", "open_mouth": "张嘴", "turn_left": "向左转头", "turn_right": "向右转头"}
# A challenge contains two different actions, so fewer than two cannot make one.
MIN_LIVENESS_ACTIONS = 2


def _parse_actions(raw: object) -> tuple[str, ...]:
    """Read a list or a comma-separated text of liveness action names, in the canonical order."""
    items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    names = {str(item).strip() for item in items if str(item).strip()}
    if not names <= set(LIVENESS_ACTIONS) or len(names) < MIN_LIVENESS_ACTIONS:
        raise ValueError(f"{raw!r} is not a set of at least {MIN_LIVENESS_ACTIONS} liveness actions")
    return tuple(name for name in LIVENESS_ACTIONS if name in names)
