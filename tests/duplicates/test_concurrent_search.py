"""Two terminals enrolling one face at the same moment still open a case."""
import threading

import pytest
from django.db import connection, connections

import duplicate_faces

FRAUDSTER = "cnceleb_103"
TERMINALS = 2


@pytest.mark.django_db(transaction=True)
def test_simultaneous_enrolments_open_case(org_tree, enroller, faces):
    from aidface.duplicates.models import DuplicateCase

    if connection.vendor == "sqlite":
        # The in-memory SQLite test database is shared between threads through SQLite's
        # shared cache, whose table locks fail at once instead of waiting for the writer.
        pytest.skip("needs a database that lets concurrent connections wait for a lock (PostgreSQL)")

    galleries = [
        duplicate_faces.gallery(chip=faces.photo(FRAUDSTER, 2), frames=[faces.photo(FRAUDSTER, 4)], seed=1),
        duplicate_faces.gallery(chip=faces.photo("cnceleb_106", 1), frames=[faces.photo(FRAUDSTER, 4)], seed=21),
    ]
    students = [enroller.student(org_tree.county_school, name) for name in ("张伟", "张卫")]
    start = threading.Barrier(TERMINALS)
    errors: list[BaseException] = []

    def enrol(number: int) -> None:
        try:
            start.wait()
            enroller.enrol(students[number], galleries[number])
        except BaseException as error:  # collected and asserted in the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=enrol, args=(number,)) for number in range(TERMINALS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert DuplicateCase.objects.count() == 1
