"""Check pages per role: list, launch forms, detail with progress, cancel, semester dashboard, home notice."""
from datetime import date, time, timedelta

import pytest
import time_machine
from django.urls import reverse

import checks_support
from checks_launch_support import MODEL_BACKEND, give_gallery, local, numbered_student

pytestmark = pytest.mark.django_db

LAUNCHED = local(2026, 3, 10, 9)
START = local(2026, 3, 17, 9)


@pytest.fixture
def login(client):
    def log_in(user):
        client.force_login(user, backend=MODEL_BACKEND)
        return client

    return log_in


@pytest.fixture
def tree(org_tree):
    checks_support.approve_campus(org_tree.campus)
    return org_tree


@pytest.fixture
def routine(tree):
    from aidface.checks.launching import launch_routine_check

    return launch_routine_check(
        user=tree.users["county"],
        day=date(2026, 3, 17),
        start_time=time(9, 0),
        random_time_today=False,
        duration_minutes=120,
        now=LAUNCHED,
    )


@pytest.fixture
def enrolled(tree, faces_dir):
    found = []
    for number in range(3):
        student = numbered_student(tree.county_school, number, name=f"张{number}")
        give_gallery(student, faces_dir, completed_at=local(2026, 3, 2, 9))
        found.append(student)
    return found


def page(client, name, *args, **query):
    return client.get(reverse(name, args=args), query)


def test_list_before_start_launching_office_only(routine, tree, login):
    with time_machine.travel(START - timedelta(hours=1), tick=False):
        body = page(login(tree.users["county"]), "checks:list").content.decode()
        assert reverse("checks:detail", args=[routine.pk]) in body
        assert "未开始" in body
        for role in ["city", "operator", "principal"]:
            response = page(login(tree.users[role]), "checks:list")
            assert response.status_code == 200
            assert reverse("checks:detail", args=[routine.pk]) not in response.content.decode(), role


def test_detail_before_start_404_for_others(routine, tree, login):
    with time_machine.travel(START - timedelta(hours=1), tick=False):
        assert page(login(tree.users["county"]), "checks:detail", routine.pk).status_code == 200
        for role in ["city", "operator", "principal", "other_county"]:
            assert page(login(tree.users[role]), "checks:detail", routine.pk).status_code == 404, role


def test_detail_after_start_per_role(routine, enrolled, tree, login):
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        for role in ["county", "city", "province", "operator", "principal"]:
            response = page(login(tree.users[role]), "checks:detail", routine.pk)
            assert response.status_code == 200, role
            body = response.content.decode()
            assert "张0" in body
            assert enrolled[0].masked_id_number in body
            assert enrolled[0].id_number not in body
            assert 'http-equiv="refresh" content="30"' in body
            assert "剩余 1 小时 30 分钟" in body
        for role in ["other_county", "other_city", "other_principal"]:
            assert page(login(tree.users[role]), "checks:detail", routine.pk).status_code == 404, role


def test_detail_view_is_audited(routine, enrolled, tree, login):
    from aidface.audit.models import AuditEntry

    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        page(login(tree.users["operator"]), "checks:detail", routine.pk)
    entry = AuditEntry.objects.get(action="check.view")
    assert entry.target_id == str(routine.pk)
    assert entry.detail["shown"] == 3


def test_detail_reload_audited_once_per_ten_minutes(routine, enrolled, tree, login):
    from aidface.audit.models import AuditEntry

    client = login(tree.users["county"])
    for minutes in [30, 30.5, 31, 39]:
        with time_machine.travel(START + timedelta(minutes=minutes), tick=False):
            page(client, "checks:detail", routine.pk)
    assert AuditEntry.objects.filter(action="check.view").count() == 1
    with time_machine.travel(START + timedelta(minutes=39), tick=False):
        page(client, "checks:detail", routine.pk, status="pending")
    with time_machine.travel(START + timedelta(minutes=41), tick=False):
        page(client, "checks:detail", routine.pk, status="pending")
    assert AuditEntry.objects.filter(action="check.view").count() == 2
    with time_machine.travel(START + timedelta(minutes=52), tick=False):
        page(client, "checks:detail", routine.pk, status="pending")
    assert AuditEntry.objects.filter(action="check.view").count() == 3


def test_detail_progress_breakdown(routine, enrolled, tree, login):
    from aidface.checks.models import ParticipantStatus
    from aidface.checks.participants import ensure_participants

    ensure_participants(routine, now=START)
    participant = routine.participants.get(student=enrolled[1])
    participant.status = ParticipantStatus.PASSED
    participant.save()
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        body = page(login(tree.users["county"]), "checks:detail", routine.pk, status="passed").content.decode()
    assert tree.county_school.name in body
    assert "<td>3</td><td>1</td><td>1</td><td>0</td><td>0</td><td>2</td>" in body.replace("\n", "").replace(" ", "")
    assert "张1" in body
    assert "张0" not in body


@pytest.mark.parametrize("role", ["student", "terminal"])
def test_pages_refused_to_students_and_terminals(routine, tree, login, role):
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        client = login(tree.users[role])
        assert page(client, "checks:list").status_code == 403
        assert page(client, "checks:detail", routine.pk).status_code == 403


@pytest.mark.parametrize("name", ["checks:launch_routine", "checks:launch_targeted", "checks:dashboard"])
def test_office_pages_refused_to_schools(tree, login, name):
    assert page(login(tree.users["operator"]), name).status_code == 403


def test_launch_routine_form(tree, login):
    from aidface.checks.models import Check

    with time_machine.travel(local(2026, 3, 10, 9), tick=False):
        client = login(tree.users["county"])
        body = page(client, "checks:launch_routine").content.decode()
        assert "2026-03-01 至 2026-05-31" in body
        assert tree.county_school.name in body
        assert tree.county_school_2.name in body  # listed as having no approved campus
        response = client.post(
            reverse("checks:launch_routine"),
            {"timing": "scheduled", "day": "2026-03-17", "start_time": "09:00", "duration_minutes": "300"},
        )
    check = Check.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("checks:detail", args=[check.pk])
    assert check.starts_at == START


def test_launch_routine_form_shows_rule_error(tree, login):
    from aidface.checks.models import Check

    with time_machine.travel(local(2026, 3, 10, 9), tick=False):
        response = login(tree.users["county"]).post(
            reverse("checks:launch_routine"),
            {"timing": "scheduled", "day": "2026-06-02", "start_time": "09:00", "duration_minutes": "60"},
        )
    assert response.status_code == 200
    assert "例行抽查须在本学期例行抽查期内开始并结束" in response.content.decode()
    assert not Check.objects.exists()


@pytest.mark.parametrize(("minutes", "message"), [("301", "例行抽查持续时间不能超过 300 分钟（5 小时）"), ("0", "持续时间须至少 1 分钟")])
def test_launch_routine_form_duration_messages(tree, login, minutes, message):
    with time_machine.travel(local(2026, 3, 10, 9), tick=False):
        response = login(tree.users["county"]).post(
            reverse("checks:launch_routine"),
            {"timing": "scheduled", "day": "2026-03-17", "start_time": "09:00", "duration_minutes": minutes},
        )
    assert response.status_code == 200
    assert message in response.content.decode()


def test_launch_routine_random_today(tree, login):
    from aidface.checks.models import Check

    now = local(2026, 3, 17, 10, 0)
    with time_machine.travel(now, tick=False):
        login(tree.users["county"]).post(reverse("checks:launch_routine"), {"timing": "random_today", "duration_minutes": "60"})
    check = Check.objects.get()
    assert check.random_start
    assert now <= check.starts_at <= local(2026, 3, 17, 23)


def test_launch_targeted_by_id_numbers(tree, enrolled, login):
    from aidface.checks.models import Check

    with time_machine.travel(local(2026, 3, 10, 9), tick=False):
        response = login(tree.users["city"]).post(
            reverse("checks:launch_targeted"),
            {
                "start_now": "on",
                "duration_minutes": "120",
                "sample_method": "named",
                "id_numbers": f"{enrolled[0].id_number}\n{enrolled[2].id_number.lower()}\n",
            },
        )
    assert response.status_code == 302
    check = Check.objects.get()
    assert check.named_student_ids == sorted([enrolled[0].pk, enrolled[2].pk])
    # The named students' school joins the check without being ticked.
    assert list(check.schools.values_list("pk", flat=True)) == [tree.county_school.pk]


def test_launch_targeted_from_roster(tree, enrolled, login):
    from aidface.checks.models import Check

    with time_machine.travel(local(2026, 3, 10, 9), tick=False):
        client = login(tree.users["county"])
        url = reverse("checks:launch_targeted") + f"?roster_school={tree.county_school.pk}"
        body = client.get(url).content.decode()
        assert "张1" in body
        assert enrolled[1].masked_id_number in body
        response = client.post(
            url,
            {
                "schools": [tree.county_school.pk],
                "start_now": "on",
                "duration_minutes": "60",
                "sample_method": "named",
                "student_ids": [enrolled[1].pk],
            },
        )
    assert response.status_code == 302
    assert Check.objects.get().named_student_ids == [enrolled[1].pk]


def test_launch_targeted_count_sample(tree, enrolled, login):
    from aidface.checks.models import Check

    with time_machine.travel(local(2026, 3, 10, 9), tick=False):
        response = login(tree.users["county"]).post(
            reverse("checks:launch_targeted"),
            {
                "schools": [tree.county_school.pk],
                "day": "2026-03-10",
                "start_time": "14:00",
                "duration_minutes": "180",
                "sample_method": "count",
                "sample_size": "2",
                "seed": "种子-1",
            },
        )
    assert response.status_code == 302
    check = Check.objects.get()
    assert (check.sample_method, check.sample_size, check.sample_seed) == ("count", 2, "种子-1")
    assert check.starts_at == local(2026, 3, 10, 14)


@pytest.mark.parametrize(("size", "warning"), [("5", "少于要求的 5 人"), ("2", None)])
def test_launch_targeted_warns_small_pool(tree, enrolled, login, size, warning):
    with time_machine.travel(local(2026, 3, 10, 9), tick=False):
        response = login(tree.users["county"]).post(
            reverse("checks:launch_targeted"),
            {
                "schools": [tree.county_school.pk],
                "day": "2026-03-10",
                "start_time": "14:00",
                "duration_minutes": "180",
                "sample_method": "count",
                "sample_size": size,
            },
            follow=True,
        )
    text = response.content.decode()
    assert "定向抽查已发起" in text
    if warning:
        assert "只有 3 名已完成新增采集的受助学生" in text
        assert warning in text
    else:
        assert "提醒" not in text


def test_detail_explains_check_without_participants(routine, tree, login):
    with time_machine.travel(local(2026, 3, 17, 9, 30), tick=False):
        response = page(login(tree.users["county"]), "checks:detail", routine.pk)
    assert "本次抽查没有需要签到的学生" in response.content.decode()


def test_launch_targeted_roster_outside_scope_404(tree, login):
    response = login(tree.users["county"]).get(reverse("checks:launch_targeted"), {"roster_school": tree.other_county_school.pk})
    assert response.status_code == 404


def test_launch_targeted_unknown_id_number(tree, enrolled, login):
    from aidface.checks.models import Check

    outsider = numbered_student(tree.other_county_school, 30)
    with time_machine.travel(local(2026, 3, 10, 9), tick=False):
        response = login(tree.users["county"]).post(
            reverse("checks:launch_targeted"),
            {"start_now": "on", "duration_minutes": "60", "sample_method": "named", "id_numbers": outsider.id_number},
        )
    body = response.content.decode()
    assert response.status_code == 200
    error = body[body.index('<p class="message error">') :].split("</p>")[0]
    assert "不在本部门辖区学校的名册中" in error
    # The message gives a count, never the ID number of a student outside the office's jurisdiction.
    assert outsider.id_number not in error
    assert not Check.objects.exists()


def test_cancel_from_detail(routine, tree, login):
    with time_machine.travel(START - timedelta(hours=1), tick=False):
        client = login(tree.users["county"])
        assert "撤销抽查" in page(client, "checks:detail", routine.pk).content.decode()
        response = client.post(reverse("checks:cancel", args=[routine.pk]))
    assert response.status_code == 302
    routine.refresh_from_db()
    assert routine.cancelled_at is not None


def test_cancel_by_other_office_404(routine, tree, login):
    with time_machine.travel(START - timedelta(hours=1), tick=False):
        response = login(tree.users["city"]).post(reverse("checks:cancel", args=[routine.pk]))
    assert response.status_code == 404
    routine.refresh_from_db()
    assert routine.cancelled_at is None


def test_home_notice_for_school_while_open(routine, tree, login):
    from aidface.checks.models import CheckSchool

    with time_machine.travel(START - timedelta(minutes=1), tick=False):
        assert "今日抽查进行中" not in page(login(tree.users["operator"]), "home").content.decode()
    with time_machine.travel(START + timedelta(minutes=2), tick=False):
        assert "今日抽查进行中" in page(login(tree.users["principal"]), "home").content.decode()
        assert "今日抽查进行中" not in page(login(tree.users["other_principal"]), "home").content.decode()
        assert "今日抽查进行中" not in page(login(tree.users["student"]), "home").content.decode()
    assert CheckSchool.objects.get(check_record=routine).notified_at == START + timedelta(minutes=2)


def test_dashboard_warns_below_minimum(routine, tree, login):
    with time_machine.travel(local(2026, 3, 10, 10), tick=False):
        body = page(login(tree.users["county"]), "checks:dashboard").content.decode()
    assert "routine-months-warning" in body
    assert "少于规定的 2 个月" in body
    assert "已安排" in body


def test_dashboard_satisfied_with_two_months(routine, tree, login):
    from aidface.checks.launching import launch_routine_check

    launch_routine_check(
        user=tree.users["county"], day=date(2026, 4, 8), start_time=time(14, 0), random_time_today=False, duration_minutes=60, now=LAUNCHED
    )
    with time_machine.travel(local(2026, 3, 20, 10), tick=False):
        body = page(login(tree.users["county"]), "checks:dashboard").content.decode()
    assert "routine-months-warning" not in body
    assert "已完成" in body
    assert "已达到要求" in body


def test_dashboard_shows_started_checks_of_offices_below(routine, tree, login):
    with time_machine.travel(START - timedelta(hours=1), tick=False):
        body = page(login(tree.users["city"]), "checks:dashboard").content.decode()
    assert tree.gongyi.name in body
    assert "<td>0</td>" in body
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        body = page(login(tree.users["city"]), "checks:dashboard", semester="2026-spring").content.decode()
    assert "<td>1</td>" in body


def test_dashboard_cancelled_check_does_not_count(routine, tree, login):
    from aidface.checks.launching import cancel_check

    cancel_check(user=tree.users["county"], check=routine, now=LAUNCHED)
    with time_machine.travel(local(2026, 3, 10, 10), tick=False):
        body = page(login(tree.users["county"]), "checks:dashboard").content.decode()
    assert "为 0 个" in body


def test_list_filters(routine, tree, login):
    from aidface.checks.launching import launch_targeted_check

    targeted = launch_targeted_check(
        user=tree.users["county"],
        school_ids=[tree.county_school.pk],
        starts_at=None,
        duration_minutes=60,
        sample_method="percent",
        sample_size=50,
        named_student_ids=[],
        now=LAUNCHED,
    )
    with time_machine.travel(LAUNCHED + timedelta(minutes=5), tick=False):
        client = login(tree.users["county"])
        body = page(client, "checks:list", kind="targeted").content.decode()
        assert reverse("checks:detail", args=[targeted.pk]) in body
        assert reverse("checks:detail", args=[routine.pk]) not in body
        body = page(client, "checks:list", state="planned").content.decode()
        assert reverse("checks:detail", args=[routine.pk]) in body
        assert reverse("checks:detail", args=[targeted.pk]) not in body


def test_list_counts_limited_to_school(tree, faces_dir, login):
    from aidface.checks.launching import launch_targeted_check
    from aidface.checks.participants import ensure_participants

    for number, school in enumerate([tree.county_school, tree.county_school_2]):
        give_gallery(numbered_student(school, number), faces_dir, completed_at=local(2026, 3, 2, 9))
    check = launch_targeted_check(
        user=tree.users["county"],
        school_ids=[tree.county_school.pk, tree.county_school_2.pk],
        starts_at=START,
        duration_minutes=60,
        sample_method="percent",
        sample_size=100,
        named_student_ids=[],
        now=LAUNCHED,
    )
    ensure_participants(check, now=START)
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        office_rows = page(login(tree.users["county"]), "checks:list").context["rows"]
        school_rows = page(login(tree.users["operator"]), "checks:list").context["rows"]
    assert office_rows[0]["progress"].total == 2
    assert office_rows[0]["school_count"] == 2
    assert school_rows[0]["progress"].total == 1
    assert school_rows[0]["state_label"] == "进行中"


def test_launch_targeted_malformed_id_number(tree, login):
    from aidface.checks.models import Check

    with time_machine.travel(local(2026, 3, 10, 9), tick=False):
        response = login(tree.users["county"]).post(
            reverse("checks:launch_targeted"),
            {"start_now": "on", "duration_minutes": "60", "sample_method": "named", "id_numbers": "41018120080315\n"},
        )
    assert response.status_code == 200
    assert "有 1 行不是 18 位身份证号" in response.content.decode()
    assert not Check.objects.exists()


def test_launch_routine_form_limits_duration(tree, login):
    from aidface.checks.models import Check

    with time_machine.travel(local(2026, 3, 10, 9), tick=False):
        response = login(tree.users["county"]).post(
            reverse("checks:launch_routine"),
            {"timing": "scheduled", "day": "2026-03-17", "start_time": "09:00", "duration_minutes": "301"},
        )
    assert response.status_code == 200
    assert not Check.objects.exists()
    assert "300" in str(response.context["form"].errors["duration_minutes"])
