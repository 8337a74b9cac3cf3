"""Concurrent first readers of a started check draw its participants once."""
import threading
from datetime import date, time

import pytest
from django.db import connection, connections

import checks_support
from checks_launch_support import give_gallery, local, numbered_student

READERS = 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_readers_draw_once(org_tree, faces_dir):
    if connection.vendor == "sqlite":
        # The in-memory SQLite test database is shared between threads through SQLite's
        # shared cache, whose table locks fail at once instead of waiting for the writer.
        pytest.skip("needs a database that lets concurrent connections wait for a lock (PostgreSQL)")

    from aidface.audit.models import AuditEntry
    from aidface.checks.launching import launch_routine_check
    from aidface.checks.models import Check, Participant
    from aidface.checks.participants import ensure_participants

    checks_support.approve_campus(org_tree.campus)
    for number in range(5):
        give_gallery(numbered_student(org_tree.county_school, number), faces_dir, completed_at=local(2026, 3, 2, 9))
    check = launch_routine_check(
        user=org_tree.users["county"],
        day=date(2026, 3, 17),
        start_time=time(9, 0),
        random_time_today=False,
        duration_minutes=60,
        now=local(2026, 3, 10, 9),
    )

    start = threading.Barrier(READERS)
    results: list[bool] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            copy = Check.objects.get(pk=check.pk)
            start.wait()
            results.append(ensure_participants(copy, now=local(2026, 3, 17, 9, 1)))
        except BaseException as error:  # collected and asserted in the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=read) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [False] * (READERS - 1) + [True]
    assert Participant.objects.filter(check_record=check).count() == 5
    assert AuditEntry.objects.filter(action="check.draw_participants").count() == 1
