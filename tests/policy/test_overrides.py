"""Overrides per office: resolution down the office tree, limits, permissions and audit."""
import pytest
from django.core.exceptions import PermissionDenied

from aidface.audit.models import AuditEntry
from aidface.policy.limits import PolicyValueError
from aidface.policy.models import PolicyOverride
from aidface.policy.selectors import effective_policy, effective_policy_for_office, effective_policy_for_school
from aidface.policy.services import clear_override, set_override
from aidface.policy.values import PROVINCE_DEFAULTS, MonthDay


def test_no_overrides_gives_defaults(org_tree):
    assert effective_policy_for_school(org_tree.county_school) == PROVINCE_DEFAULTS


def test_none_gives_defaults():
    assert effective_policy(None) == PROVINCE_DEFAULTS


def test_city_override_reaches_county_school(org_tree):
    set_override(user=org_tree.users["city"], office=org_tree.zhengzhou, key="geofence_radius_m", value=1200)
    assert effective_policy_for_school(org_tree.county_school).geofence_radius_m == 1200


def test_city_override_stays_in_city(org_tree):
    set_override(user=org_tree.users["city"], office=org_tree.zhengzhou, key="geofence_radius_m", value=1200)
    assert effective_policy_for_school(org_tree.other_county_school).geofence_radius_m == 1500


def test_city_override_not_above(org_tree):
    set_override(user=org_tree.users["city"], office=org_tree.zhengzhou, key="geofence_radius_m", value=1200)
    assert effective_policy_for_school(org_tree.province_school).geofence_radius_m == 1500


def test_county_tightens_city(org_tree):
    set_override(user=org_tree.users["city"], office=org_tree.zhengzhou, key="geofence_radius_m", value=1200)
    set_override(user=org_tree.users["county"], office=org_tree.gongyi, key="geofence_radius_m", value=1000)
    assert effective_policy_for_school(org_tree.county_school).geofence_radius_m == 1000


def test_county_may_not_exceed_city(org_tree):
    set_override(user=org_tree.users["city"], office=org_tree.zhengzhou, key="geofence_radius_m", value=1200)
    with pytest.raises(PolicyValueError) as raised:
        set_override(user=org_tree.users["county"], office=org_tree.gongyi, key="geofence_radius_m", value=1300)
    assert "不能超过上级规定的 1200米" in raised.value.message


def test_rejected_value_not_stored(org_tree):
    with pytest.raises(PolicyValueError):
        set_override(user=org_tree.users["city"], office=org_tree.zhengzhou, key="routine_check_max_minutes", value=360)
    assert not PolicyOverride.objects.exists()


def test_city_may_not_lengthen_targeted_check(org_tree):
    with pytest.raises(PolicyValueError):
        set_override(
            user=org_tree.users["city"], office=org_tree.zhengzhou, key="targeted_check_max_minutes", value=200
        )


def test_city_shortens_routine_window(org_tree):
    set_override(
        user=org_tree.users["city"], office=org_tree.zhengzhou, key="spring_routine_window", value="03-10..05-20"
    )
    policy = effective_policy_for_school(org_tree.city_school)
    assert str(policy.spring_routine_window) == "03-10..05-20"


def test_window_leaving_too_few_months(org_tree):
    with pytest.raises(PolicyValueError) as raised:
        set_override(
            user=org_tree.users["city"], office=org_tree.zhengzhou, key="spring_routine_window", value="03-01..03-31"
        )
    assert "少于" in raised.value.message


def test_stored_as_text(org_tree):
    set_override(
        user=org_tree.users["city"], office=org_tree.zhengzhou, key="spring_enrolment_deadline", value="04-10"
    )
    assert PolicyOverride.objects.get(office=org_tree.zhengzhou).value == "04-10"


def test_city_may_not_set_province_only(org_tree):
    with pytest.raises(PolicyValueError) as raised:
        set_override(user=org_tree.users["city"], office=org_tree.zhengzhou, key="december_lock_day", value=14)
    assert "省级资助部门统一设置" in raised.value.message


def test_province_switch_reaches_every_school(org_tree):
    set_override(
        user=org_tree.users["province"], office=org_tree.province, key="forced_pass_counts_as_passing", value=False
    )
    assert effective_policy_for_school(org_tree.other_county_school).forced_pass_counts_as_passing is False


def test_province_staff_may_set_city(org_tree):
    set_override(user=org_tree.users["province"], office=org_tree.zhengzhou, key="phone_attempts_per_check", value=2)
    assert effective_policy_for_office(org_tree.zhengzhou).phone_attempts_per_check == 2


def test_county_staff_may_not_set_city(org_tree):
    with pytest.raises(PermissionDenied):
        set_override(user=org_tree.users["county"], office=org_tree.zhengzhou, key="geofence_radius_m", value=1000)


def test_other_city_staff_may_not_set(org_tree):
    with pytest.raises(PermissionDenied):
        set_override(user=org_tree.users["other_city"], office=org_tree.zhengzhou, key="geofence_radius_m", value=1000)


def test_operator_may_not_set(org_tree):
    with pytest.raises(PermissionDenied):
        set_override(user=org_tree.users["operator"], office=org_tree.gongyi, key="geofence_radius_m", value=1000)


def test_parent_tightened_later_wins(org_tree):
    set_override(user=org_tree.users["city"], office=org_tree.zhengzhou, key="geofence_radius_m", value=1200)
    set_override(user=org_tree.users["county"], office=org_tree.gongyi, key="geofence_radius_m", value=1000)
    set_override(user=org_tree.users["city"], office=org_tree.zhengzhou, key="geofence_radius_m", value=900)
    assert effective_policy_for_school(org_tree.county_school).geofence_radius_m == 900


def test_change_audited(org_tree):
    set_override(user=org_tree.users["city"], office=org_tree.zhengzhou, key="geofence_radius_m", value=1200)
    set_override(user=org_tree.users["city"], office=org_tree.zhengzhou, key="geofence_radius_m", value=1100)
    entry = AuditEntry.objects.filter(action="policy.set").order_by("-seq").first()
    assert entry.detail == {"key": "geofence_radius_m", "old": 1200, "new": 1100}
    assert entry.user == org_tree.users["city"]
    assert entry.target_id == str(org_tree.zhengzhou.pk)


def test_clear_restores_inherited(org_tree):
    set_override(user=org_tree.users["city"], office=org_tree.zhengzhou, key="spring_enrolment_deadline", value="04-10")
    policy = clear_override(user=org_tree.users["city"], office=org_tree.zhengzhou, key="spring_enrolment_deadline")
    assert policy.spring_enrolment_deadline == MonthDay(4, 20)


def test_clear_audited(org_tree):
    set_override(user=org_tree.users["city"], office=org_tree.zhengzhou, key="spring_enrolment_deadline", value="04-10")
    clear_override(user=org_tree.users["city"], office=org_tree.zhengzhou, key="spring_enrolment_deadline")
    entry = AuditEntry.objects.get(action="policy.clear")
    assert entry.detail == {"key": "spring_enrolment_deadline", "old": "04-10", "new": None}


def test_denied_change_writes_nothing(org_tree):
    with pytest.raises(PermissionDenied):
        set_override(user=org_tree.users["county"], office=org_tree.zhengzhou, key="geofence_radius_m", value=1000)
    assert not AuditEntry.objects.filter(action="policy.set").exists()
