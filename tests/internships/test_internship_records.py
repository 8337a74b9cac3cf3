"""Records after creation: changes with history, filing before the start date, return by the office, states, scope."""
from datetime import date, datetime, timedelta

import pytest
from internships_support import NOW, SHANGHAI, START, raw_fields
from django.core.exceptions import PermissionDenied
from django.http import Http404

from aidface.audit.models import AuditEntry
from aidface.internships import selectors, services
from aidface.internships.errors import InternshipError, InternshipValidationError
from aidface.internships.models import InternshipChange, InternshipRecord, InternshipState


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


# Changes and history ----------------------------------------------------------------


def test_change_keeps_previous_version(operator, student, make_record):
    record = make_record(student)
    result = services.update_record(
        user=operator, record=record, raw={"company": "河南中原汽车制造有限公司", "supervisor_phone": "0371-65432100"}, now=NOW
    )
    assert result.changed_fields == ("company", "supervisor_phone")
    record.refresh_from_db()
    assert record.version == 2
    assert record.company == "河南中原汽车制造有限公司"

    change = InternshipChange.objects.get(record=record)
    assert change.version == 2
    assert change.changed_by == operator
    assert change.changed_at == NOW
    assert change.fields == ["company", "supervisor_phone"]
    assert change.before == {"company": "郑州宇通客车股份有限公司", "supervisor_phone": "13838112233"}
    assert change.after == {"company": "河南中原汽车制造有限公司", "supervisor_phone": "0371-65432100"}
    assert change.after_filing is False
    entry = AuditEntry.objects.get(action="internship.change")
    assert entry.detail == {"fields": ["company", "supervisor_phone"], "version": 2, "after_filing": False}


def test_unchanged_values_write_no_history(operator, student, make_record):
    record = make_record(student)
    result = services.update_record(user=operator, record=record, raw=raw_fields(student), now=NOW)
    assert result.changed_fields == ()
    assert not InternshipChange.objects.exists()
    record.refresh_from_db()
    assert record.version == 1


def test_filed_record_accepts_company_location_supervisor(operator, student, make_record):
    record = make_record(student, file=True)
    services.update_record(
        user=operator,
        record=record,
        raw={"address": "河南省郑州市经开区第九大街", "latitude": "34.72", "longitude": "113.75", "coord_system": "wgs84", "supervisor_name": "李强"},
        now=NOW + timedelta(days=20),
    )
    record.refresh_from_db()
    assert record.status == "filed"
    change = record.changes.get()
    assert change.after_filing is True
    assert change.fields == ["address", "latitude", "longitude", "coord_system", "supervisor_name"]
    assert change.before["latitude"] == ""
    assert change.after["latitude"] == "34.720000"


@pytest.mark.parametrize(
    ("field_name", "value", "label"),
    [("start_date", "2026-04-05", "实习开始日期"), ("end_date", "2026-07-31", "实习结束日期"), ("grade", "2023级", "年级"), ("class_name", "数控1班", "班级")],
)
def test_filed_record_refuses_other_changes(operator, student, make_record, field_name, value, label):
    record = make_record(student, file=True)
    with pytest.raises(InternshipValidationError) as caught:
        services.update_record(user=operator, record=record, raw={field_name: value, "company": "新单位"}, now=NOW)
    assert caught.value.errors == {field_name: f"已备案的实习记录不能修改{label}；如确需修改，请联系同级资助部门退回后再改"}
    record.refresh_from_db()
    assert record.company == "郑州宇通客车股份有限公司"
    assert not InternshipChange.objects.exists()


def test_invalid_change_changes_nothing(operator, student, make_record):
    record = make_record(student)
    with pytest.raises(InternshipValidationError) as caught:
        services.update_record(user=operator, record=record, raw={"supervisor_phone": "123", "company": ""}, now=NOW)
    assert set(caught.value.errors) == {"supervisor_phone", "company"}
    record.refresh_from_db()
    assert record.version == 1
    assert not InternshipChange.objects.exists()


def test_only_school_operator_writes(org_tree, student, make_record):
    record = make_record(student)
    for key in ("principal", "county", "terminal"):
        with pytest.raises(PermissionDenied):
            services.update_record(user=org_tree.users[key], record=record, raw={"company": "X"}, now=NOW)
        with pytest.raises(PermissionDenied):
            services.file_record(user=org_tree.users[key], record=record, now=NOW)


# Filing ------------------------------------------------------------------------------


def test_filing_before_start_date(operator, student, make_record):
    record = make_record(student)
    filed = services.file_record(user=operator, record=record, now=at(START - timedelta(days=1), 23))
    assert filed.status == "filed"
    assert filed.filed_by == operator
    entry = AuditEntry.objects.get(action="internship.file")
    assert entry.office == student.school.supervising_office
    assert entry.school == student.school


@pytest.mark.parametrize("day", [START, START + timedelta(days=1)])
def test_filing_on_or_after_start_date_refused(operator, student, make_record, day):
    record = make_record(student)
    with pytest.raises(InternshipError) as caught:
        services.file_record(user=operator, record=record, now=at(day))
    assert caught.value.code == "filing_too_late"
    assert caught.value.message == (
        f"实习开始日期为 2026-04-01，须在开始日期之前向同级资助部门备案；今天是 {day:%Y-%m-%d}，已无法备案。请核实实际开始日期，修改后再提交"
    )
    record.refresh_from_db()
    assert record.status == "draft"
    assert not AuditEntry.objects.filter(action="internship.file").exists()


def test_filing_uses_shanghai_date(operator, student, make_record):
    """00:30 on 1 April in Shanghai is still 31 March in UTC, and is already too late."""
    record = make_record(student)
    with pytest.raises(InternshipError):
        services.file_record(user=operator, record=record, now=datetime(2026, 4, 1, 0, 30, tzinfo=SHANGHAI))


def test_filing_twice_refused(operator, student, make_record):
    record = make_record(student, file=True)
    with pytest.raises(InternshipError) as caught:
        services.file_record(user=operator, record=record, now=NOW)
    assert caught.value.code == "already_filed"


def test_states_follow_the_dates(operator, student, make_record):
    record = make_record(student)
    assert record.state_on(START) == InternshipState.DRAFT
    services.file_record(user=operator, record=record, now=NOW)
    record.refresh_from_db()
    assert record.state_on(START - timedelta(days=1)) == InternshipState.FILED
    assert record.state_on(START) == InternshipState.ACTIVE
    assert record.state_on(date(2026, 6, 30)) == InternshipState.ACTIVE
    assert record.state_on(date(2026, 7, 1)) == InternshipState.ENDED


def test_state_filter_matches_state_on(org_tree, operator, student, other_student, make_record):
    draft = make_record(student, start_date="2026-09-01", end_date="2026-09-30")
    filed = make_record(other_student, file=True)
    for day, expected in [
        (date(2026, 3, 31), {"draft": {draft.pk}, "filed": {filed.pk}, "active": set(), "ended": set()}),
        (date(2026, 4, 1), {"draft": {draft.pk}, "filed": set(), "active": {filed.pk}, "ended": set()}),
        (date(2026, 7, 1), {"draft": {draft.pk}, "filed": set(), "active": set(), "ended": {filed.pk}}),
    ]:
        for state, ids in expected.items():
            found = set(selectors.search_records(operator, today=day, state=state).values_list("pk", flat=True))
            assert found == ids, (day, state)


# Return by the office ----------------------------------------------------------------


def test_supervising_office_returns_filing(org_tree, student, make_record):
    record = make_record(student, file=True)
    county = org_tree.users["county"]
    returned = services.return_record(user=county, record=record, comment="实习单位名称与营业执照不一致", now=NOW)
    assert returned.status == "draft"
    assert returned.return_comment == "实习单位名称与营业执照不一致"
    assert returned.returned_by == county
    assert returned.state_on(NOW.date()) == InternshipState.RETURNED
    entry = AuditEntry.objects.get(action="internship.return")
    assert entry.detail["comment"] == "实习单位名称与营业执照不一致"

    # The school may now change the dates and file again before the start.
    services.update_record(user=org_tree.users["operator"], record=returned, raw={"start_date": "2026-04-08"}, now=NOW)
    services.file_record(user=org_tree.users["operator"], record=returned, now=NOW)
    returned.refresh_from_db()
    assert returned.status == "filed"


def test_return_needs_comment(org_tree, student, make_record):
    record = make_record(student, file=True)
    with pytest.raises(InternshipValidationError) as caught:
        services.return_record(user=org_tree.users["county"], record=record, comment="  ", now=NOW)
    assert caught.value.errors == {"comment": "请填写退回意见，说明学校需要修改的内容"}
    record.refresh_from_db()
    assert record.status == "filed"


def test_offices_above_only_read(org_tree, student, make_record):
    record = make_record(student, file=True)
    for key in ("city", "province"):
        assert selectors.get_record_or_404(org_tree.users[key], record.pk) == record
        with pytest.raises(PermissionDenied):
            services.return_record(user=org_tree.users[key], record=record, comment="请核实", now=NOW)
    record.refresh_from_db()
    assert record.status == "filed"


def test_office_outside_jurisdiction_gets_not_found(org_tree, student, make_record):
    record = make_record(student, file=True)
    with pytest.raises(InternshipError) as caught:
        services.return_record(user=org_tree.users["other_county"], record=record, comment="请核实", now=NOW)
    assert caught.value.code == "not_found"
    for key in ("other_county", "other_city", "other_principal", "student"):
        with pytest.raises(Http404):
            selectors.get_record_or_404(org_tree.users[key], record.pk)


def test_ended_internship_not_returned(org_tree, student, make_record):
    record = make_record(student, file=True)
    with pytest.raises(InternshipError) as caught:
        services.return_record(user=org_tree.users["county"], record=record, comment="请核实", now=at(date(2026, 7, 1)))
    assert caught.value.message == "该实习已于 2026-06-30 结束，已结束的实习备案不能退回"


def test_office_does_not_see_unfiled_drafts(org_tree, student, other_student, make_record):
    draft = make_record(student)
    filed = make_record(other_student, file=True)
    visible = set(selectors.records(org_tree.users["county"]).values_list("pk", flat=True))
    assert visible == {filed.pk}
    with pytest.raises(Http404):
        selectors.get_record_or_404(org_tree.users["county"], draft.pk)
    school_view = set(selectors.records(org_tree.users["principal"]).values_list("pk", flat=True))
    assert school_view == {draft.pk, filed.pk}


def test_returned_record_stops_counting(org_tree, student, make_record):
    record = make_record(student, file=True)
    InternshipRecord.objects.filter(pk=record.pk).update(confirmed_at=NOW)
    assert selectors.students_on_internship(student_ids=[student.pk], day=START) == {student.pk}
    services.return_record(user=org_tree.users["county"], record=record, comment="请补充负责人", now=NOW)
    assert selectors.students_on_internship(student_ids=[student.pk], day=START) == set()
    assert selectors.internship_periods(student_ids=[student.pk]) == {}
