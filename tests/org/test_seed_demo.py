"""`aidface seed_demo`: the demo organisation, one account per role, and idempotence."""
from io import StringIO

import pytest
from django.core.management import call_command

from aidface.audit.models import AuditEntry
from aidface.org.demo_data import DEMO_PASSWORD, USERS
from aidface.org.models import AidOffice, Campus, CampusStatus, Level, Role, School, User


def seed() -> str:
    output = StringIO()
    call_command("seed_demo", stdout=output)
    return output.getvalue()


def counts() -> dict:
    return {
        model.__name__: model.objects.count() for model in (AidOffice, School, Campus, User, AuditEntry)
    }


@pytest.fixture
def seeded(db):
    seed()


def test_seed_twice_changes_nothing(seeded):
    before = counts()
    output = seed()
    assert counts() == before
    assert "本次新建 0 条记录" in output


def test_seed_keeps_changed_password(seeded):
    user = User.objects.get(username="province_staff")
    user.set_password("Changed-Pass-2026")
    user.save()
    seed()
    user.refresh_from_db()
    assert user.check_password("Changed-Pass-2026")


def test_seed_offices_per_level(seeded):
    levels = list(AidOffice.objects.values_list("level", flat=True))
    assert levels.count(Level.PROVINCE) == 1
    assert levels.count(Level.CITY) == 2
    assert levels.count(Level.COUNTY) == 3


def test_seed_schools_run_by_each_level(seeded):
    assert School.objects.count() == 5
    levels = set(School.objects.values_list("supervising_office__level", flat=True))
    assert levels == {Level.PROVINCE, Level.CITY, Level.COUNTY}


def test_seed_campus_states(seeded):
    statuses = set(Campus.objects.values_list("status", flat=True))
    assert statuses == {CampusStatus.APPROVED, CampusStatus.SUBMITTED, CampusStatus.REJECTED}
    assert Campus.objects.filter(status=CampusStatus.SUBMITTED, approved_latitude__isnull=True).exists()
    assert any(campus.has_pending_change for campus in Campus.objects.all())


def test_seed_campuses_in_henan(seeded):
    for campus in Campus.objects.all():
        assert 31.3 <= float(campus.latitude) <= 36.5, campus.name
        assert 110.3 <= float(campus.longitude) <= 116.7, campus.name


def test_seed_office_roles(seeded):
    office_levels = set(User.objects.filter(role=Role.OFFICE_STAFF).values_list("office__level", flat=True))
    assert office_levels == {Level.PROVINCE, Level.CITY, Level.COUNTY}


@pytest.mark.parametrize("role", [Role.SCHOOL_OPERATOR, Role.PRINCIPAL, Role.TERMINAL, Role.STUDENT])
def test_seed_school_roles(seeded, role):
    assert User.objects.filter(role=role).exists()


def test_seed_terminal_on_approved_campus(seeded):
    terminal = User.objects.get(role=Role.TERMINAL)
    assert terminal.campus.is_usable
    assert terminal.campus.school_id == terminal.school_id


@pytest.mark.parametrize("username", [user.username for user in USERS])
def test_seed_demo_password_works(seeded, username):
    user = User.objects.get(username=username)
    assert user.check_password(DEMO_PASSWORD)
    assert user.is_active


def test_seed_prints_accounts(db):
    output = seed()
    assert DEMO_PASSWORD in output
    for user in USERS:
        assert user.username in output


def test_seed_roster_links_student_login(seeded):
    from aidface.org import scope
    from aidface.roster.models import Student

    student_user = User.objects.get(role=Role.STUDENT)
    assert Student.objects.filter(school__code="4141019003").count() == 6
    own = list(scope.students(student_user))
    assert [record.id_number for record in own] == [student_user.username]


def test_seed_student_logs_in_with_id_number(seeded, client):
    student_user = User.objects.get(role=Role.STUDENT)
    response = client.post("/login/", {"username": student_user.username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
