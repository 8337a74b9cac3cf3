"""The eligibility page: counts per school and region, the cancelled list, jurisdiction and audit entries."""
import pytest

import eligibility_support as support
from aidface.audit.models import AuditEntry
from aidface.checks.models import MonthState
from aidface.eligibility.services import recompute_eligibility

NORMAL = MonthState.NORMAL
FAILED = MonthState.FAILED


@pytest.fixture
def planted(org_tree):
    """Two cancelled students in Gongyi's first school, one eligible in its second, one cancelled in Xin'an."""
    kept = support.student(org_tree.county_school_2, name="保留生")
    support.enrol(kept)
    support.month_results(kept, [NORMAL, NORMAL, FAILED])
    few = support.student(org_tree.county_school, name="少月生")
    support.enrol(few)
    support.month_results(few, [NORMAL, FAILED, FAILED])
    unenrolled = support.student(org_tree.county_school, name="未采生")
    support.month_results(unenrolled, [NORMAL, NORMAL, NORMAL])
    other = support.student(org_tree.other_county_school, name="新安生")
    support.month_results(other, [FAILED, FAILED, FAILED])
    recompute_eligibility(semester=support.spring_2026(), now=support.IN_MAY)
    return {"kept": kept, "few": few, "unenrolled": unenrolled, "other": other}


def get(client, user, **params):
    from django.urls import reverse

    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.get(reverse("eligibility:overview"), {"semester": support.spring_2026().pk, **params})


def test_county_sees_its_schools(client, org_tree, planted):
    response = get(client, org_tree.users["county"])
    assert response.status_code == 200
    page = response.content.decode()
    assert "少月生" in page
    assert "未采生" in page
    assert "新安生" not in page
    assert "保留生" not in page  # eligible students are not in the cancelled list
    assert planted["few"].id_number not in page
    assert planted["few"].masked_id_number in page
    by_school = response.context["by_school"]
    assert [(row.key, row.total, row.eligible, row.cancelled) for row in by_school] == [
        ("4141000003", 2, 0, 2),
        ("4141000004", 1, 1, 0),
    ]
    assert [(row.key, row.total, row.cancelled) for row in response.context["by_region"]] == [("410181", 3, 2)]


def test_reasons_listed_per_student(client, org_tree, planted):
    response = get(client, org_tree.users["county"])
    entries = {entry["name"]: entry["reasons"] for entry in response.context["entries"]}
    assert entries["少月生"] == ["通过月份少于2个月"]
    assert entries["未采生"] == ["未完成新增采集"]
    counts = {code: count for code, _label, count in response.context["reasons"]}
    assert counts["few_passing_months"] == 1
    assert counts["not_enrolled"] == 1


def test_province_sees_every_region(client, org_tree, planted):
    response = get(client, org_tree.users["province"])
    assert {row.key for row in response.context["by_region"]} == {"410181", "410323"}


def test_filter_by_reason(client, org_tree, planted):
    response = get(client, org_tree.users["province"], reason="not_enrolled")
    names = {entry["name"] for entry in response.context["entries"]}
    assert names == {"未采生", "新安生"}


def test_filter_by_region(client, org_tree, planted):
    response = get(client, org_tree.users["province"], region="410323")
    assert [row.key for row in response.context["by_school"]] == ["4141000005"]


def test_school_operator_sees_own_school(client, org_tree, planted):
    response = get(client, org_tree.users["operator"])
    assert [row.key for row in response.context["by_school"]] == ["4141000003"]
    assert "school" not in response.context["form"].fields


def test_school_outside_jurisdiction_is_404(client, org_tree, planted):
    response = get(client, org_tree.users["county"], school=org_tree.other_county_school.pk)
    assert response.status_code == 404
    assert "新安生" not in response.content.decode()


def test_region_outside_jurisdiction_is_404(client, org_tree, planted):
    assert get(client, org_tree.users["county"], region="410323").status_code == 404


def test_student_and_terminal_refused(client, org_tree, planted):
    assert get(client, org_tree.users["student"]).status_code == 403
    assert get(client, org_tree.users["terminal"]).status_code == 403


def test_page_view_audited(client, org_tree, planted):
    get(client, org_tree.users["county"])
    entry = AuditEntry.objects.filter(action="eligibility.view").latest("seq")
    assert entry.user == org_tree.users["county"]
    assert entry.detail["semester_id"] == support.spring_2026().pk
    assert entry.detail["shown"] == 2


def test_recompute_button(client, org_tree, planted):
    from django.urls import reverse

    from aidface.eligibility.models import SemesterEligibility

    SemesterEligibility.objects.all().delete()
    client.force_login(org_tree.users["county"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("eligibility:recompute"), {"semester": support.spring_2026().pk})
    assert response.status_code == 302
    assert SemesterEligibility.objects.count() == 3  # Gongyi's schools only
    assert AuditEntry.objects.filter(action="eligibility.recompute").exists()


def test_recompute_refused_for_school(client, org_tree, planted):
    from django.urls import reverse

    client.force_login(org_tree.users["operator"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("eligibility:recompute"), {"semester": support.spring_2026().pk})
    assert response.status_code == 403
