"""Password change, forced on the first login when `must_change_password` is set."""
import pytest

from aidface.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Xin-Mima-2026-Zizhu"


@pytest.fixture
def old_password(org_tree) -> str:
    return org_tree.password


@pytest.fixture
def new_user(client, org_tree):
    user = org_tree.users["operator"]
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    client.force_login(user)
    return user


def change(client, old: str, new: str, confirm: str | None = None):
    return client.post(
        "/password/",
        {"old_password": old, "new_password1": new, "new_password2": new if confirm is None else confirm},
    )


def test_forced_change_redirects_pages(client, new_user):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/password/"


def test_forced_change_blocks_api(client, new_user):
    response = client.get("/api/openapi.json")
    assert response.status_code == 403
    assert response.json()["detail"] == "请先修改初始密码，再使用系统。"


def test_forced_change_page_explains(client, new_user):
    assert "须先修改密码" in client.get("/password/").content.decode()


def test_forced_change_allows_logout(client, new_user):
    assert client.post("/logout/")["Location"] == "/login/"


def test_weak_password_rejected(client, new_user, old_password):
    response = change(client, old_password, "12345678")
    assert response.status_code == 200
    new_user.refresh_from_db()
    assert new_user.must_change_password


def test_weak_password_message_in_chinese(client, new_user, old_password):
    content = change(client, old_password, "12345678").content.decode()
    assert "这个密码太常见了。" in content
    assert "密码只包含数字。" in content


def test_wrong_old_password_rejected(client, new_user):
    change(client, "not-the-old-one", NEW_PASSWORD)
    new_user.refresh_from_db()
    assert new_user.must_change_password


def test_change_lifts_forced_change(client, new_user, old_password):
    response = change(client, old_password, NEW_PASSWORD)
    assert response["Location"] == "/"
    new_user.refresh_from_db()
    assert not new_user.must_change_password
    assert new_user.check_password(NEW_PASSWORD)


def test_change_keeps_session(client, new_user, old_password):
    change(client, old_password, NEW_PASSWORD)
    assert client.get("/").status_code == 200


def test_change_recorded(client, new_user, old_password):
    change(client, old_password, NEW_PASSWORD)
    entry = AuditEntry.objects.get(action="auth.password_change")
    assert entry.user == new_user
    assert entry.school == new_user.school


def test_voluntary_change(client, org_tree, old_password):
    user = org_tree.users["county"]
    client.force_login(user)
    change(client, old_password, NEW_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_short_password_message_in_chinese():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as raised:
        validate_password("Ab1!x")
    assert "密码太短，至少需要 8 个字符。" in raised.value.messages
