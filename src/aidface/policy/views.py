"""Policy pages: the rules and semester dates in force, and an office's local overrides (Art. 24)."""
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from aidface.org import scope
from aidface.org.models import AidOffice, Level, Role
from aidface.policy import services
from aidface.policy.calendar import Term, semester_calendar, semester_of_moment
from aidface.policy.limits import (
    LIVENESS_ACTION_LABELS,
    LIVENESS_ACTIONS,
    SETTINGS,
    Kind,
    PolicyValueError,
    Rule,
    serialise_value,
)
from aidface.policy.selectors import overrides_of, resolve


@dataclass(frozen=True)
class Choice:
    """One checkbox of a multiple-choice rule: the stored code, its Chinese name and whether it is in force."""

    value: str
    label: str
    checked: bool


@dataclass(frozen=True)
class SettingRow:
    key: str
    label: str
    value: str
    source: str
    overridden_here: bool
    editable: bool
    unit: str
    choices: tuple[Choice, ...] = ()


def _display(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, tuple):
        return "、".join(LIVENESS_ACTION_LABELS.get(item, item) for item in value)
    return str(serialise_value(value))


def _choices(kind: Kind, value: object) -> tuple[Choice, ...]:
    if kind is not Kind.ACTIONS:
        return ()
    return tuple(Choice(value=name, label=LIVENESS_ACTION_LABELS[name], checked=name in value) for name in LIVENESS_ACTIONS)


def _office_for(request: HttpRequest) -> AidOffice:
    user = request.user
    if user.role == Role.OFFICE_STAFF or user.is_superuser:
        requested = request.GET.get("office") or user.office_id
        if requested is None:
            return scope.offices(user).filter(level=Level.PROVINCE).first()
        return scope.get_office_or_404(user, requested)
    if user.school_id and user.role in {Role.SCHOOL_OPERATOR, Role.PRINCIPAL}:
        return user.school.supervising_office
    raise PermissionDenied("您的角色无权查看监管规则。")


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    office = _office_for(request)
    policy, sources = resolve(office)
    own = overrides_of(office)
    may_edit = request.user.role == Role.OFFICE_STAFF or request.user.is_superuser
    is_province = office.level == Level.PROVINCE

    rows = []
    for key, setting in SETTINGS.items():
        source = sources.get(key)
        rows.append(
            SettingRow(
                key=key,
                label=setting.label,
                value=_display(getattr(policy, key)),
                source=source.name if source is not None else "全省默认",
                overridden_here=key in own,
                editable=may_edit and (is_province or setting.rule != Rule.PROVINCE_ONLY),
                unit=setting.unit,
                choices=_choices(setting.kind, getattr(policy, key)),
            )
        )

    year, term = semester_of_moment(timezone.now())
    calendars = [semester_calendar(policy, year, term)]
    if term is Term.SPRING:
        calendars.append(semester_calendar(policy, year, Term.AUTUMN))
    else:
        calendars.append(semester_calendar(policy, year + 1, Term.SPRING))

    return render(
        request,
        "policy/overview.html",
        {
            "office": office,
            "rows": rows,
            "calendars": calendars,
            "offices": scope.offices(request.user).order_by("region_id") if may_edit else [],
            "may_edit": may_edit,
            "switch_kind": Kind.SWITCH,
        },
    )


def _back(office: AidOffice) -> HttpResponse:
    return redirect(f"{reverse('policy:overview')}?office={office.pk}")


@require_POST
@login_required
def set_value(request: HttpRequest, office_id: int) -> HttpResponse:
    office = scope.get_office_or_404(request.user, office_id)
    key = request.POST.get("key", "")
    setting = SETTINGS.get(key)
    # Checkbox rules post one "value" per ticked box; the other rules post a single text.
    if setting is not None and setting.kind is Kind.ACTIONS:
        value = request.POST.getlist("value")
    else:
        value = request.POST.get("value", "")
    try:
        services.set_override(user=request.user, office=office, key=key, value=value)
    except PolicyValueError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已保存“{SETTINGS[key].label}”。")
    return _back(office)


@require_POST
@login_required
def clear_value(request: HttpRequest, office_id: int) -> HttpResponse:
    office = scope.get_office_or_404(request.user, office_id)
    key = request.POST.get("key", "")
    if key not in SETTINGS:
        messages.error(request, "没有这个规则项，请刷新页面后重试。")
        return _back(office)
    services.clear_override(user=request.user, office=office, key=key)
    messages.success(request, f"“{SETTINGS[key].label}”已恢复为上级的规定。")
    return _back(office)
