"""Concurrent appends from several database connections keep one unbroken chain."""
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from aidface.audit.models import AuditEntry
from aidface.audit.services import record

WRITERS = 4
ENTRIES_PER_WRITER = 15


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain():
    if connection.vendor == "sqlite":
        # The in-memory SQLite test database is shared between threads through SQLite's
        # shared cache, whose table locks fail at once instead of waiting for the writer.
        pytest.skip("needs a database that lets concurrent connections wait for a lock (PostgreSQL)")

    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            start.wait()
            for n in range(ENTRIES_PER_WRITER):
                with transaction.atomic():
                    record(user=None, action="test.concurrent", detail={"writer": writer, "n": n})
        except BaseException as error:  # collected and asserted in the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(writer,)) for writer in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert AuditEntry.objects.count() == WRITERS * ENTRIES_PER_WRITER
    call_command("verify_audit")
