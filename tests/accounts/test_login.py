"""Login and logout through the real pages, each recorded in the audit log."""
import pytest

from aidface.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def login(client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def test_login_page_in_chinese(client):
    content = client.get("/login/").content.decode()
    assert "用户名" in content
    assert "密码" in content


def test_login_redirects_home(client, org_tree):
    response = login(client, "county_staff", org_tree.password)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_recorded(client, org_tree):
    login(client, "county_staff", org_tree.password)
    entry = AuditEntry.objects.get(action="auth.login")
    assert entry.outcome == "success"
    assert entry.user == org_tree.users["county"]
    assert entry.office == org_tree.gongyi
    assert entry.client_ip == "127.0.0.1"
    assert entry.path == "/login/"


def test_wrong_password_shows_error(client, org_tree):
    response = login(client, "county_staff", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


@pytest.mark.parametrize(("username", "password"), [("", ""), ("county_staff", ""), ("", "some-password")])
def test_empty_field_asks_for_both(client, org_tree, username, password):
    content = login(client, username, password).content.decode()
    assert "请输入用户名和密码。" in content
    assert "用户名或密码不正确" not in content


def test_empty_field_not_recorded(client, org_tree):
    login(client, "county_staff", "")
    assert not AuditEntry.objects.filter(action="auth.login").exists()


def test_wrong_password_not_asking_for_fields(client, org_tree):
    content = login(client, "county_staff", "wrong-password").content.decode()
    assert "请输入用户名和密码。" not in content


def test_wrong_password_recorded(client, org_tree):
    login(client, "county_operator", "wrong-password")
    entry = AuditEntry.objects.get(action="auth.login")
    assert entry.outcome == "failure"
    assert entry.user is None
    assert entry.detail == {"username": "county_operator"}
    assert entry.school == org_tree.county_school


def test_wrong_password_not_stored(client, org_tree):
    login(client, "county_operator", "Secret-Typed-1")
    assert "Secret-Typed-1" not in str(list(AuditEntry.objects.values()))


def test_unknown_user_recorded_without_unit(client, db):
    login(client, "nobody", "wrong-password")
    entry = AuditEntry.objects.get(action="auth.login")
    assert entry.outcome == "failure"
    assert entry.office is None
    assert entry.school is None


def test_logout_recorded(client, org_tree):
    login(client, "county_staff", org_tree.password)
    response = client.post("/logout/")
    assert response["Location"] == "/login/"
    assert AuditEntry.objects.filter(action="auth.logout", user=org_tree.users["county"]).exists()


def test_home_requires_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
