"""Error pages are Chinese sentences that say what to do next."""
import logging

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


def forbidden_records(caplog):
    return [record for record in caplog.records if record.name == "django.request" and record.status_code == 403]


def test_forbidden_logged_one_line(client, org_tree, caplog):
    user = org_tree.users["operator"]
    client.force_login(user)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/audit/")
    records = forbidden_records(caplog)
    assert len(records) == 1
    assert records[0].getMessage() == f"Forbidden: path=/audit/ user_id={user.pk}"
    assert records[0].levelno == logging.WARNING


def test_forbidden_logged_without_traceback(client, org_tree, caplog):
    client.force_login(org_tree.users["operator"])
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/audit/")
    assert "Traceback" not in caplog.text
    assert forbidden_records(caplog)[0].exc_info is None


def test_not_found_log_unchanged(client, org_tree, caplog):
    client.force_login(org_tree.users["county"])
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/no-such-page/")
    messages = [record.getMessage() for record in caplog.records if record.name == "django.request"]
    assert messages == ["Not Found: /no-such-page/"]
