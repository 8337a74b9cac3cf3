"""Marks (Art. 12): who may mark, which months, the attachment rules, and the month they change."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

import checks_support
from aidface.audit.models import AuditEntry
from aidface.checks import marks, results
from aidface.checks.marks import Attachment, MarkError
from aidface.checks.models import Mark, MonthResult, MonthState, Participant, ParticipantStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
IN_MARCH = datetime(2026, 3, 20, 9, 0, tzinfo=SHANGHAI)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def operator(org_tree):
    return org_tree.users["operator"]


@pytest.fixture
def student(org_tree):
    return checks_support.make_student(org_tree.county_school)


def mark(user, student, *, month=3, now=IN_MARCH, attachment=None, reason="leave", note="3月15日至3月25日病假"):
    return marks.mark_student(
        user=user, student=student, year=2026, month=month, reason=reason, note=note, attachment=attachment, now=now
    )


def result_of(student, month=3):
    return MonthResult.objects.get(student=student, year=2026, month=month)


def test_mark_turns_absent_month_into_marked_pass(org_tree, operator, student):
    checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school], students=[student], launched_by=org_tree.users["county"]
    )
    created = mark(operator, student)
    result = result_of(student)
    assert result.state == MonthState.MARKED_PASS
    assert result.mark_reason == "leave"
    assert result.source == f"mark:{created.pk}"
    assert result.is_passing
    assert not result.is_normal_attendance
    entry = AuditEntry.objects.get(action="mark.create")
    assert entry.target_id == str(created.pk)
    assert student.id_number not in str(entry.detail)


def test_mark_without_check_is_marked_pass(operator, student):
    mark(operator, student, reason="internship")
    assert result_of(student).state == MonthState.MARKED_PASS
    assert result_of(student).mark_reason == "internship"


def test_withdraw_mark_recomputes(org_tree, operator, student):
    check = checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school], students=[student], launched_by=org_tree.users["county"]
    )
    Participant.objects.filter(check_record=check).update(status=ParticipantStatus.FAILED)
    created = mark(operator, student)
    assert result_of(student).state == MonthState.MARKED_PASS
    marks.withdraw_mark(user=operator, mark=created, now=IN_MARCH)
    created.refresh_from_db()
    assert created.withdrawn_at == IN_MARCH
    assert created.withdrawn_by == operator
    assert result_of(student).state == MonthState.FAILED
    assert AuditEntry.objects.filter(action="mark.withdraw").count() == 1
    with pytest.raises(MarkError) as error:
        marks.withdraw_mark(user=operator, mark=created, now=IN_MARCH)
    assert error.value.code == "already_withdrawn"


def test_second_active_mark_rejected(operator, student):
    mark(operator, student)
    with pytest.raises(MarkError) as error:
        mark(operator, student, reason="training")
    assert error.value.code == "already_marked"
    assert Mark.objects.count() == 1


def test_mark_on_locked_month_rejected(operator, student):
    with pytest.raises(MarkError) as error:
        mark(operator, student, month=3, now=datetime(2026, 4, 1, 0, 0, tzinfo=SHANGHAI))
    assert error.value.code == "month_locked"
    assert "已锁定" in error.value.message
    assert not Mark.objects.exists()


def test_december_mark_allowed_on_15th_rejected_on_16th(operator, student):
    marks.mark_student(user=operator, student=student, year=2026, month=12, reason="training", note="实训",
                       now=datetime(2026, 12, 15, 23, 59, tzinfo=SHANGHAI))
    other = checks_support.make_student(student.school, name="李华", sequence="124")
    with pytest.raises(MarkError) as error:
        marks.mark_student(user=operator, student=other, year=2026, month=12, reason="training", note="实训",
                           now=datetime(2026, 12, 16, 0, 0, tzinfo=SHANGHAI))
    assert error.value.code == "month_locked"


def test_withdraw_on_locked_month_rejected(operator, student):
    created = mark(operator, student)
    results.lock_due_months(now=datetime(2026, 4, 1, 0, 5, tzinfo=SHANGHAI))
    with pytest.raises(MarkError) as error:
        marks.withdraw_mark(user=operator, mark=created, now=datetime(2026, 4, 2, 9, tzinfo=SHANGHAI))
    assert error.value.code == "month_locked"
    created.refresh_from_db()
    assert created.withdrawn_at is None
    assert result_of(student).state == MonthState.MARKED_PASS


def test_mark_outside_routine_window_rejected(operator, student):
    with pytest.raises(MarkError) as error:
        mark(operator, student, month=2, now=datetime(2026, 2, 10, 9, tzinfo=SHANGHAI))
    assert error.value.code == "outside_window"


@pytest.mark.parametrize("role_user", ["principal", "county", "terminal"])
def test_mark_only_by_school_operator(org_tree, student, role_user):
    with pytest.raises(MarkError) as error:
        mark(org_tree.users[role_user], student)
    assert error.value.code == "not_operator"


def test_mark_student_of_other_school_rejected(org_tree, operator):
    stranger = checks_support.make_student(org_tree.county_school_2, name="外校", sequence="321")
    with pytest.raises(MarkError) as error:
        mark(operator, stranger)
    assert error.value.code == "not_in_scope"


def test_mark_requires_note_and_reason(operator, student):
    with pytest.raises(MarkError) as error:
        mark(operator, student, note="  ")
    assert error.value.code == "note_missing"
    with pytest.raises(MarkError) as error:
        mark(operator, student, reason="holiday")
    assert error.value.code == "invalid_reason"


@pytest.mark.parametrize(
    ("content", "name", "content_type", "stored_name"),
    [
        (PDF, "请假条.png", "application/pdf", "请假条.pdf"),
        (PNG, "scan.pdf", "image/png", "scan.png"),
        (JPEG, "photo", "image/jpeg", "photo.jpg"),
    ],
)
def test_mark_attachment_type_from_bytes(operator, student, content, name, content_type, stored_name):
    created = mark(operator, student, attachment=Attachment(name=name, content=content))
    created.refresh_from_db()
    assert created.attachment_type == content_type
    assert created.attachment_name == stored_name
    assert bytes(created.attachment) != content
    assert marks.open_attachment(created) == content


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"GIF89a" + b"\x00" * 32, "attachment_type"),
        (b"<html>%PDF-</html>", "attachment_type"),
        (b"", "attachment_empty"),
        (PDF + b"\x00" * (5 * 1024 * 1024), "attachment_too_large"),
    ],
)
def test_mark_attachment_rejected(operator, student, content, code):
    with pytest.raises(MarkError) as error:
        mark(operator, student, attachment=Attachment(name="请假条.pdf", content=content))
    assert error.value.code == code
    assert not Mark.objects.exists()
    assert not MonthResult.objects.exists()


def test_attachment_sealed_to_its_mark(operator, student):
    from aidface.crypto import CryptoError

    other = checks_support.make_student(student.school, name="李华", sequence="124")
    first = mark(operator, student, attachment=Attachment(name="a.pdf", content=PDF))
    second = mark(operator, other)
    second.attachment = first.attachment
    second.attachment_key_id = first.attachment_key_id
    with pytest.raises(CryptoError):
        marks.open_attachment(second)
