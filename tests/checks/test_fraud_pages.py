"""Who sees fraud signals: the office's list page, its filters and audit entry, and the check detail include."""
import hashlib
from datetime import timedelta

import pytest
from django.template.loader import render_to_string

import checks_support

NOW = checks_support.MARCH_CHECK + timedelta(minutes=30)
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def add_check_in(check, student, *, device: str, accuracy: float = 15.0, minutes: int = 0):
    from aidface.checks.models import CheckIn

    participant = check.participants.get(student=student)
    return CheckIn.objects.create(
        participant=participant,
        check_record=check,
        student=student,
        school=student.school,
        channel="phone",
        number=CheckIn.objects.filter(participant=participant).count() + 1,
        outcome="passed",
        accuracy_m=accuracy,
        device_hash=hashlib.sha256(device.encode()).hexdigest(),
        created_at=NOW + timedelta(minutes=minutes),
    )


@pytest.fixture
def signals(org_tree):
    """A targeted check of the province over two counties: one phone used at both, and a zero accuracy in Xin'an."""
    from aidface.checks.fraud import record_signals

    gongyi_student = checks_support.make_student(org_tree.county_school, name="陈晓明", sequence="201")
    gongyi_student_2 = checks_support.make_student(org_tree.county_school_2, name="李华", sequence="202")
    xinan_student = checks_support.make_student(org_tree.other_county_school, name="王芳", sequence="203")
    check = checks_support.make_check(
        office=org_tree.province,
        schools=[org_tree.county_school, org_tree.county_school_2, org_tree.other_county_school],
        students=[gongyi_student, gongyi_student_2, xinan_student],
        launched_by=org_tree.users["province"],
        kind="targeted",
    )
    record_signals(add_check_in(check, gongyi_student, device="phone-1"))
    record_signals(add_check_in(check, gongyi_student_2, device="phone-1", minutes=1))
    record_signals(add_check_in(check, xinan_student, device="phone-1", accuracy=0.0, minutes=2))
    return check


@pytest.mark.django_db
def test_selector_scope_per_role(org_tree, signals):
    from aidface.checks.fraud_selectors import fraud_signals_for

    users = org_tree.users
    kinds = {name: sorted(row.signal.kind for row in fraud_signals_for(users[name], signals)) for name in users}

    assert kinds["province"] == ["implausible_accuracy", "shared_device"]
    assert kinds["city"] == ["shared_device"]
    assert kinds["county"] == ["shared_device"]
    assert kinds["other_county"] == ["implausible_accuracy", "shared_device"]
    assert kinds["operator"] == []
    assert kinds["principal"] == []
    assert kinds["other_principal"] == []
    assert kinds["terminal"] == []
    assert kinds["student"] == []


@pytest.mark.django_db
def test_selector_hides_other_check_ins(org_tree, signals):
    from aidface.checks.fraud_selectors import fraud_signals_for

    county_row = fraud_signals_for(org_tree.users["county"], signals)[0]
    xinan_row = [row for row in fraud_signals_for(org_tree.users["other_county"], signals) if row.signal.kind == "shared_device"][0]

    assert sorted(check_in.student.name for check_in in county_row.check_ins) == ["李华", "陈晓明"]
    assert county_row.hidden_count == 1
    assert [check_in.student.name for check_in in xinan_row.check_ins] == ["王芳"]
    assert xinan_row.hidden_count == 2


@pytest.mark.django_db
def test_other_jurisdiction_sees_nothing(org_tree):
    """Luoyang's offices see no signal of a check in Gongyi, which Zhengzhou and the province see."""
    from aidface.checks.fraud import record_signals
    from aidface.checks.fraud_selectors import fraud_signals_for, office_fraud_signals

    students = [
        checks_support.make_student(org_tree.county_school, name=name, sequence=sequence)
        for name, sequence in [("陈晓明", "301"), ("李华", "302")]
    ]
    check = checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school], students=students, launched_by=org_tree.users["county"]
    )
    for minutes, student in enumerate(students):
        record_signals(add_check_in(check, student, device="phone-1", minutes=minutes))

    assert len(fraud_signals_for(org_tree.users["county"], check)) == 1
    assert len(fraud_signals_for(org_tree.users["city"], check)) == 1
    assert len(fraud_signals_for(org_tree.users["province"], check)) == 1
    assert fraud_signals_for(org_tree.users["other_city"], check) == []
    assert fraud_signals_for(org_tree.users["other_county"], check) == []
    assert not office_fraud_signals(org_tree.users["other_city"]).exists()
    assert not office_fraud_signals(org_tree.users["other_county"]).exists()


@pytest.mark.django_db
def test_list_page_for_office(client, org_tree, signals):
    from aidface.audit.models import AuditEntry

    client.force_login(org_tree.users["county"], backend=LOGIN_BACKEND)
    response = client.get("/checks/fraud-signals/")
    body = response.content.decode()

    assert response.status_code == 200
    assert "同一手机为多名学生签到" in body
    assert "同一部手机为 3 名学生提交了 3 次签到" in body
    assert "陈晓明" in body
    assert "王芳" not in body
    assert "另有 1 次签到不在您的管辖范围内" in body
    assert AuditEntry.objects.filter(action="fraud_signal.list", user=org_tree.users["county"]).count() == 1


@pytest.mark.django_db
def test_list_page_filters(client, org_tree, signals):
    client.force_login(org_tree.users["province"], backend=LOGIN_BACKEND)

    by_kind = client.get("/checks/fraud-signals/", {"kind": "implausible_accuracy"}).content.decode()
    by_school = client.get("/checks/fraud-signals/", {"school": org_tree.county_school_2.pk}).content.decode()
    by_check = client.get("/checks/fraud-signals/", {"check_record": signals.pk}).content.decode()

    assert "定位精度为 0.0 米" in by_kind
    assert "同一部手机为 3 名学生" not in by_kind
    assert "同一部手机为 3 名学生" in by_school
    assert "定位精度为 0.0 米" not in by_school
    assert "同一部手机为 3 名学生" in by_check
    assert "定位精度为 0.0 米" in by_check


@pytest.mark.django_db
def test_list_page_refused_to_school(client, org_tree, signals):
    client.force_login(org_tree.users["principal"], backend=LOGIN_BACKEND)

    assert client.get("/checks/fraud-signals/").status_code == 403


@pytest.mark.django_db
def test_include_renders_rows(org_tree, signals):
    from aidface.checks.fraud_selectors import fraud_signals_for

    html = render_to_string("checks/_fraud_signals.html", {"fraud_signals": fraud_signals_for(org_tree.users["county"], signals)})
    empty = render_to_string("checks/_fraud_signals.html", {"fraud_signals": []})

    assert "同一部手机为 3 名学生提交了 3 次签到" in html
    assert "李华" in html
    assert "本次抽查暂未发现作弊风险" in empty


@pytest.mark.django_db
def test_check_detail_shows_signals(client, org_tree, signals):
    client.force_login(org_tree.users["county"], backend=LOGIN_BACKEND)
    office_response = client.get(f"/checks/{signals.pk}/")
    office_page = office_response.content.decode()
    client.force_login(org_tree.users["principal"], backend=LOGIN_BACKEND)
    school_response = client.get(f"/checks/{signals.pk}/")
    school_page = school_response.content.decode()

    assert office_response.status_code == 200
    assert school_response.status_code == 200
    assert "同一部手机为 3 名学生提交了 3 次签到" in office_page
    assert "作弊风险提示" not in school_page
