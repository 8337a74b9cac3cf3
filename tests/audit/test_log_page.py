"""The audit log page shows each role exactly the entries of its jurisdiction."""
import pytest
from django.db import transaction

from aidface.audit.chain import verify_chain
from aidface.audit.models import AuditEntry
from aidface.audit.services import record

pytestmark = pytest.mark.django_db

ALL_USERS = [
    "province", "city", "other_city", "county", "other_county",
    "operator", "principal", "other_principal", "terminal", "student",
]
COUNTY_SCHOOL_USERS = ["operator", "principal", "terminal", "student"]

# viewer -> the users whose entries are shown to that viewer. "anonymous" is an entry that belongs to no unit.
VISIBLE = {
    "province": {*ALL_USERS, "anonymous"},
    "city": {"city", "county", *COUNTY_SCHOOL_USERS},
    "other_city": {"other_city", "other_county", "other_principal"},
    "county": {"county", *COUNTY_SCHOOL_USERS},
    "other_county": {"other_county", "other_principal"},
    "principal": set(COUNTY_SCHOOL_USERS),
    "other_principal": {"other_principal"},
}
NO_ACCESS = ["operator", "terminal", "student"]


@pytest.fixture
def entries(org_tree) -> None:
    """One entry per user, with the user's key in the action, plus one entry of no unit."""
    with transaction.atomic():
        for key in ALL_USERS:
            record(user=org_tree.users[key], action=f"test.{key}")
        record(user=None, action="test.anonymous", detail={"username": "unknown"})


def shown_keys(response) -> set[str]:
    return {entry.action.removeprefix("test.") for entry in response.context["page"].object_list if entry.action.startswith("test.")}


@pytest.mark.parametrize("viewer", sorted(VISIBLE))
def test_log_shows_jurisdiction_only(client, org_tree, entries, viewer):
    client.force_login(org_tree.users[viewer])
    response = client.get("/audit/")
    assert response.status_code == 200
    assert shown_keys(response) == VISIBLE[viewer]


@pytest.mark.parametrize("viewer", NO_ACCESS)
def test_log_denied_to_role(client, org_tree, entries, viewer):
    client.force_login(org_tree.users[viewer])
    assert client.get("/audit/").status_code == 403


def test_log_requires_login(client, db):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_log_view_is_recorded(client, org_tree):
    client.force_login(org_tree.users["county"])
    client.get("/audit/", {"action": "auth"})
    entry = AuditEntry.objects.get(action="audit.view")
    assert entry.username == "county_staff"
    assert entry.detail["filter"] == {"action": "auth"}
    assert entry.client_ip == "127.0.0.1"
    assert entry.path == "/audit/"


def test_log_filters_by_action(client, org_tree, entries):
    client.force_login(org_tree.users["province"])
    response = client.get("/audit/", {"action": "test.county"})
    assert shown_keys(response) == {"county"}


def test_log_filters_by_outcome(client, org_tree, entries):
    with transaction.atomic():
        record(user=org_tree.users["county"], action="test.failed_write", outcome="failure")
    client.force_login(org_tree.users["county"])
    response = client.get("/audit/", {"outcome": "failure"})
    assert shown_keys(response) == {"failed_write"}


def test_log_page_in_chinese(client, org_tree, entries):
    client.force_login(org_tree.users["county"])
    content = client.get("/audit/").content.decode()
    assert "审计日志" in content
    assert "县级资助部门" in content


@pytest.mark.parametrize(("key", "label"), [("province", "省级资助部门"), ("city", "市级资助部门"), ("county", "县级资助部门")])
def test_log_role_shows_office_level(client, org_tree, entries, key, label):
    client.force_login(org_tree.users["province"])
    response = client.get("/audit/", {"action": f"test.{key}"})
    role_labels = [entry.role_label for entry in response.context["page"].object_list]
    assert role_labels == [label]


def test_log_role_of_school_user(client, org_tree, entries):
    client.force_login(org_tree.users["province"])
    response = client.get("/audit/", {"action": "test.principal"})
    role_labels = [entry.role_label for entry in response.context["page"].object_list]
    assert role_labels == ["校长"]


def test_log_role_of_lower_office_entry(client, org_tree):
    """An entry placed in a county office but written by the province shows the writer's level."""
    with transaction.atomic():
        record(user=org_tree.users["province"], action="test.lower", office=org_tree.users["county"].office)
    client.force_login(org_tree.users["province"])
    response = client.get("/audit/", {"action": "test.lower"})
    assert [entry.role_label for entry in response.context["page"].object_list] == ["省级资助部门"]


def test_log_role_keeps_chain_valid(org_tree, entries):
    report = verify_chain(AuditEntry.objects.order_by("seq"))
    assert report.ok


def test_log_shows_action_names(client, org_tree):
    client.force_login(org_tree.users["county"])
    assert "查看审计日志" in client.get("/audit/").content.decode()


def test_log_marks_command_entries(client, org_tree):
    with transaction.atomic():
        record(user=None, action="test.command", office=org_tree.gongyi)
    client.force_login(org_tree.users["county"])
    assert "（系统命令）" in client.get("/audit/").content.decode()


def test_log_masks_id_numbers(client, org_tree):
    from aidface.org.models import Role, User

    student_login = User.objects.create(username="410105200801010011", role=Role.STUDENT, school=org_tree.county_school)
    with transaction.atomic():
        record(user=student_login, action="auth.login", target=student_login, target_repr="陈晓明 410105200801010011")
    client.force_login(org_tree.users["county"])
    content = client.get("/audit/").content.decode()
    assert "410105200801010011" not in content
    assert "410105********0011" in content
