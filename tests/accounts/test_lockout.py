"""Five failed logins lock an account for 15 minutes (django-axes, by user name)."""
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from aidface.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

FAILURE_LIMIT = 5


def login(client, password: str, username: str = "county_staff"):
    return client.post("/login/", {"username": username, "password": password})


def fail_logins(client, count: int = FAILURE_LIMIT) -> None:
    for _ in range(count):
        login(client, "wrong-password")


def test_four_failures_do_not_lock(client, org_tree):
    fail_logins(client, FAILURE_LIMIT - 1)
    assert login(client, org_tree.password).status_code == 302


def test_five_failures_lock_account(client, org_tree):
    fail_logins(client)
    response = login(client, org_tree.password)
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode()


def test_locked_page_names_duration(client, org_tree):
    fail_logins(client)
    assert "15 分钟" in login(client, org_tree.password).content.decode()


def test_lock_is_per_user_name(client, org_tree):
    fail_logins(client)
    assert login(client, org_tree.password, username="county_operator").status_code == 302


def test_lockout_recorded(client, org_tree):
    fail_logins(client)
    entry = AuditEntry.objects.get(action="auth.lockout")
    assert entry.outcome == "denied"
    assert entry.office == org_tree.gongyi


def test_failures_recorded(client, org_tree):
    fail_logins(client)
    assert AuditEntry.objects.filter(action="auth.login", outcome="failure").count() == FAILURE_LIMIT


def test_still_locked_after_14_minutes(client, org_tree):
    with time_machine.travel(timezone.now(), tick=True) as clock:
        fail_logins(client)
        clock.shift(timedelta(minutes=14))
        assert login(client, org_tree.password).status_code == 429


def test_released_after_15_minutes(client, org_tree):
    with time_machine.travel(timezone.now(), tick=True) as clock:
        fail_logins(client)
        clock.shift(timedelta(minutes=15, seconds=1))
        response = login(client, org_tree.password)
    assert response.status_code == 302
    assert response["Location"] == "/"
