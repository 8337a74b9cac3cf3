"""The home page of each role and the navigation it shows."""
import pytest

pytestmark = pytest.mark.django_db

# user key -> a phrase only that role's home page contains
ROLE_PHRASES = {
    "province": "审核全省各学校校区",
    "city": "对本市直属学校发起例行抽查",
    "county": "对本县直属学校发起例行抽查",
    "operator": "导入受助学生名单",
    "principal": "作为学校第一责任人",
    "terminal": "在绑定的校区为学生进行新增采集",
    "student": "用手机完成动作活体检测",
}
ROLE_LABELS = {
    "province": "省级资助部门",
    "city": "市级资助部门",
    "county": "县级资助部门",
    "operator": "学校管理员",
    "principal": "校长",
    "terminal": "终端机",
    "student": "学生",
}


def home_page(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("key", sorted(ROLE_PHRASES))
def test_home_shows_duties(client, org_tree, key):
    assert ROLE_PHRASES[key] in home_page(client, org_tree.users[key])


@pytest.mark.parametrize("key", sorted(ROLE_PHRASES))
def test_home_omits_other_duties(client, org_tree, key):
    content = home_page(client, org_tree.users[key])
    others = [phrase for other, phrase in ROLE_PHRASES.items() if other != key]
    assert [phrase for phrase in others if phrase in content] == []


@pytest.mark.parametrize("key", sorted(ROLE_LABELS))
def test_home_shows_role(client, org_tree, key):
    assert ROLE_LABELS[key] in home_page(client, org_tree.users[key])


def test_home_names_office(client, org_tree):
    assert "巩义市学生资助管理中心" in home_page(client, org_tree.users["county"])


def test_office_navigation_has_audit_log(client, org_tree):
    assert 'href="/audit/"' in home_page(client, org_tree.users["county"])


def test_operator_navigation_lacks_audit_log(client, org_tree):
    assert 'href="/audit/"' not in home_page(client, org_tree.users["operator"])


def test_page_uses_local_stylesheet(client, org_tree):
    content = home_page(client, org_tree.users["county"])
    assert "/static/aidface/app.css" in content
    assert "http://" not in content
    assert "https://" not in content


def test_stylesheet_found():
    from django.contrib.staticfiles import finders

    assert finders.find("aidface/app.css") is not None
