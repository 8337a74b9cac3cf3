"""The policy page: rules in force, their source, local overrides and the semester dates."""
import pytest
from django.urls import reverse

from aidface.policy.models import PolicyOverride


def page_for(client, user, **query):
    client.force_login(user)
    return client.get(reverse("policy:overview"), query).content.decode()


def test_defaults_shown(org_tree, client):
    page = page_for(client, org_tree.users["city"])
    assert "<td>1500 米</td>" in page
    assert "全省默认" in page


def test_semester_dates_shown(org_tree, client):
    page = page_for(client, org_tree.users["city"])
    assert "学期申诉时段" in page
    assert "锁定" in page


def test_set_value(org_tree, client):
    client.force_login(org_tree.users["city"])
    url = reverse("policy:set", args=[org_tree.zhengzhou.pk])
    page = client.post(url, {"key": "geofence_radius_m", "value": "1200"}, follow=True).content.decode()
    assert "已保存“定位半径”" in page
    assert "<td>1200 米</td>" in page


def test_source_shown_below(org_tree, client):
    client.force_login(org_tree.users["city"])
    client.post(reverse("policy:set", args=[org_tree.zhengzhou.pk]), {"key": "geofence_radius_m", "value": "1200"})
    page = page_for(client, org_tree.users["county"])
    assert "<td>郑州市学生资助管理中心</td>" in page


def test_loosening_shows_error(org_tree, client):
    client.force_login(org_tree.users["city"])
    url = reverse("policy:set", args=[org_tree.zhengzhou.pk])
    page = client.post(url, {"key": "geofence_radius_m", "value": "2000"}, follow=True).content.decode()
    assert "不能超过上级规定的 1500米" in page
    assert not PolicyOverride.objects.exists()


def test_malformed_value_shows_error(org_tree, client):
    client.force_login(org_tree.users["city"])
    url = reverse("policy:set", args=[org_tree.zhengzhou.pk])
    page = client.post(url, {"key": "spring_routine_window", "value": "三月到五月"}, follow=True).content.decode()
    assert "例如 03-01..05-31" in page


def test_clear_value(org_tree, client):
    client.force_login(org_tree.users["city"])
    client.post(reverse("policy:set", args=[org_tree.zhengzhou.pk]), {"key": "geofence_radius_m", "value": "1200"})
    client.post(reverse("policy:clear", args=[org_tree.zhengzhou.pk]), {"key": "geofence_radius_m"})
    assert not PolicyOverride.objects.exists()


def test_county_cannot_post_to_city(org_tree, client):
    client.force_login(org_tree.users["county"])
    url = reverse("policy:set", args=[org_tree.zhengzhou.pk])
    assert client.post(url, {"key": "geofence_radius_m", "value": "1000"}).status_code == 404


def test_other_office_view_404(org_tree, client):
    client.force_login(org_tree.users["county"])
    assert client.get(reverse("policy:overview"), {"office": org_tree.xinan.pk}).status_code == 404


def test_city_sees_province_only_rows_locked(org_tree, client):
    page = page_for(client, org_tree.users["city"])
    assert "省级统一设置" in page


def test_operator_reads_without_forms(org_tree, client):
    page = page_for(client, org_tree.users["operator"])
    assert org_tree.gongyi.name in page
    assert "保存" not in page


@pytest.mark.parametrize("role", ["student", "terminal"])
def test_page_refused(org_tree, client, role):
    client.force_login(org_tree.users[role])
    assert client.get(reverse("policy:overview")).status_code == 403


def test_operator_cannot_post(org_tree, client):
    client.force_login(org_tree.users["operator"])
    url = reverse("policy:set", args=[org_tree.gongyi.pk])
    assert client.post(url, {"key": "geofence_radius_m", "value": "1000"}).status_code == 404


def test_list_value_round_trips(org_tree, client):
    client.force_login(org_tree.users["province"])
    url = reverse("policy:set", args=[org_tree.province.pk])
    page = client.post(url, {"key": "liveness_actions", "value": ["blink", "turn_left"]}, follow=True).content.decode()
    assert '<td>眨眼、向左转头</td>' in page
    assert PolicyOverride.objects.get(office=org_tree.province, key="liveness_actions").value == ["blink", "turn_left"]


def test_actions_shown_in_chinese(org_tree, client):
    page = page_for(client, org_tree.users["operator"])
    assert "<td>眨眼、张嘴、向左转头、向右转头</td>" in page
    assert "open_mouth" not in page


def test_actions_edited_by_checkboxes(org_tree, client):
    page = page_for(client, org_tree.users["province"])
    assert '<input type="checkbox" name="value" value="open_mouth" checked> 张嘴' in page
    assert 'value="blink,open_mouth' not in page


def test_actions_unticked_box_unchecked(org_tree, client):
    client.force_login(org_tree.users["province"])
    client.post(reverse("policy:set", args=[org_tree.province.pk]), {"key": "liveness_actions", "value": ["blink", "open_mouth"]})
    page = client.get(reverse("policy:overview")).content.decode()
    assert '<input type="checkbox" name="value" value="turn_left"> 向左转头' in page


def test_actions_need_two_boxes(org_tree, client):
    client.force_login(org_tree.users["province"])
    url = reverse("policy:set", args=[org_tree.province.pk])
    page = client.post(url, {"key": "liveness_actions", "value": ["blink"]}, follow=True).content.decode()
    assert "“活体检测动作”请在眨眼、张嘴、向左转头、向右转头中至少勾选 2 项。" in page
    assert not PolicyOverride.objects.filter(office=org_tree.province, key="liveness_actions").exists()


def test_office_choice_not_cut_off(org_tree, client):
    page = page_for(client, org_tree.users["province"])
    assert "#office { width: auto;" in page
