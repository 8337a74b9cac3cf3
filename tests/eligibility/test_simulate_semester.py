"""`aidface simulate_semester` on the real face photos: the summary matches the roles it planted."""
import io
import re

import pytest
from django.core.management import call_command

from aidface.eligibility.models import Reason, SemesterEligibility
from aidface.eligibility.simulation import ROLES, expected_reasons, expected_summary

STUDENTS = 12


def test_expected_summary_of_planted_roles():
    """The planted roles, written out by hand: 5 keep the aid, 7 lose it."""
    eligible, reasons = expected_summary(STUDENTS)
    assert eligible == 5
    assert reasons == {
        Reason.FEW_PASSING_MONTHS: 5,
        Reason.NO_NORMAL_ATTENDANCE: 4,
        Reason.NOT_ENROLLED: 1,
        Reason.ENROLLED_LATE: 1,
        Reason.DUPLICATE_IDENTITY: 2,
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_simulate_semester_summary(faces_dir):
    output = io.StringIO()
    call_command("simulate_semester", faces=str(faces_dir), students=STUDENTS, seed=1, stdout=output)
    text = output.getvalue()

    eligible, reasons = expected_summary(STUDENTS)
    summary = re.search(r"(\d+) students, (\d+) eligible, (\d+) cancelled", text)
    assert summary is not None, text
    assert int(summary.group(1)) == STUDENTS
    assert int(summary.group(2)) == eligible
    assert int(summary.group(3)) == STUDENTS - eligible
    for code in Reason.values:
        line = re.search(rf"  {code} \(.+\): (\d+)", text)
        assert line is not None, text
        assert int(line.group(1)) == reasons.get(code, 0), code

    # Every student ends with exactly the reasons of the role it played.
    rows = SemesterEligibility.objects.filter(semester__year=2026, semester__term="spring", school__code__startswith="41429900")
    stored = {row.student.name: tuple(row.reasons) for row in rows.select_related("student")}
    for index in range(STUDENTS):
        name = f"模拟学生{index + 1:03d}"
        assert stored[name] == expected_reasons(index, STUDENTS), (index, ROLES[index % len(ROLES)])
    assert all(row.final for row in rows)
