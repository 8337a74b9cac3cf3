"""Changes to an office's local rules (Art. 24), each validated and audited."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from aidface.audit.services import record
from aidface.org import scope
from aidface.org.models import AidOffice, Level, Role, User
from aidface.policy.limits import check_policy, check_value, parse_value, serialise_value
from aidface.policy.models import PolicyOverride
from aidface.policy.selectors import apply_overrides, effective_policy_for_office
from aidface.policy.values import PROVINCE_DEFAULTS, Policy


def _check_may_change(user: User, office: AidOffice) -> None:
    if user.is_superuser:
        return
    if user.role != Role.OFFICE_STAFF or not scope.offices(user).filter(pk=office.pk).exists():
        raise PermissionDenied("只有本级或上级资助部门的工作人员可以修改本地规则。")


def _parent_policy(office: AidOffice) -> Policy:
    if office.parent_id is None:
        return PROVINCE_DEFAULTS
    return effective_policy_for_office(office.parent)


@transaction.atomic
def set_override(*, user: User, office: AidOffice, key: str, value: object) -> Policy:
    """Store one override of `office` and return the office's new effective policy.

    Raises PolicyValueError (with a Chinese message) when the value is malformed, outside
    the policy above, or contradicts the office's other dates. Raises PermissionDenied
    when `user` may not change this office's rules.
    """
    _check_may_change(user, office)

    parsed = parse_value(key, value)
    parent = _parent_policy(office)
    check_value(key, parsed, parent=parent, is_province=office.level == Level.PROVINCE)
    others = [override for override in PolicyOverride.objects.filter(office=office) if override.key != key]
    check_policy(apply_overrides(parent, office, others).replace(**{key: parsed}))

    stored = serialise_value(parsed)
    override, created = PolicyOverride.objects.select_for_update().get_or_create(
        office=office, key=key, defaults={"value": stored, "updated_by": user}
    )
    old = None if created else override.value
    if not created:
        override.value = stored
        override.updated_by = user
        override.save(update_fields=["value", "updated_by", "updated_at"])

    record(
        user=user,
        action="policy.set",
        target=office,
        target_repr=str(office),
        detail={"key": key, "old": old, "new": stored},
    )
    return effective_policy_for_office(office)


@transaction.atomic
def clear_override(*, user: User, office: AidOffice, key: str) -> Policy:
    """Remove one override so `office` inherits the value from above again."""
    _check_may_change(user, office)

    override = PolicyOverride.objects.select_for_update().filter(office=office, key=key).first()
    if override is None:
        return effective_policy_for_office(office)
    old = override.value
    override.delete()

    record(
        user=user,
        action="policy.clear",
        target=office,
        target_repr=str(office),
        detail={"key": key, "old": old, "new": None},
    )
    return effective_policy_for_office(office)

