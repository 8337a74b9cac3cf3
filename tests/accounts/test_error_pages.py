"""Error pages are Chinese sentences that say what to do next."""
import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_not_found_page(client, org_tree):
    client.force_login(org_tree.users["county"])
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "不在您的管辖范围内" in response.content.decode()


def test_forbidden_page_names_reason(client, org_tree):
    client.force_login(org_tree.users["operator"])
    response = client.get("/audit/")
    assert response.status_code == 403
    assert "您的角色无权查看审计日志。" in response.content.decode()


def test_csrf_failure_page(org_tree):
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post("/login/", {"username": "county_staff", "password": org_tree.password})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()
