"""The office's decisions: clearing releases the enrolment, confirming flags both students."""
import pytest

import duplicate_faces

pytestmark = pytest.mark.django_db

FRAUDSTER = "cnceleb_103"


@pytest.fixture
def opened(org_tree, enroller, faces):
    """One face enrolled twice in the county school: returns (case, waiting enrolment, first student)."""
    from aidface.duplicates.models import DuplicateCase

    first_gallery = duplicate_faces.gallery(
        chip=faces.photo(FRAUDSTER, 2), frames=[faces.photo(FRAUDSTER, 4), faces.photo(FRAUDSTER, 3)], seed=1
    )
    second_gallery = duplicate_faces.gallery(
        chip=faces.photo("cnceleb_106", 1), frames=[faces.photo(FRAUDSTER, 4)], seed=21
    )
    first = enroller.student(org_tree.county_school, "张伟")
    enroller.enrol(first, first_gallery)
    waiting = enroller.enrol(enroller.student(org_tree.county_school, "张卫"), second_gallery)
    return DuplicateCase.objects.get(), waiting, first


def test_clear_releases_enrolment(org_tree, opened):
    from aidface.duplicates import services

    case, waiting, _ = opened
    services.clear_case(user=org_tree.users["county"], case=case, comment="双胞胎兄弟，已核对户口簿。")

    waiting.refresh_from_db()
    case.refresh_from_db()
    assert case.status == "cleared"
    assert waiting.state == "enrolled"


def test_clear_flags_nobody(org_tree, opened):
    from aidface.duplicates import selectors, services

    case, _, first = opened
    services.clear_case(user=org_tree.users["county"], case=case, comment="双胞胎兄弟。")

    assert not selectors.is_flagged(first)
    assert not selectors.is_flagged(case.student)


def test_confirm_flags_both(org_tree, opened):
    from aidface.duplicates import selectors, services

    case, waiting, first = opened
    services.confirm_case(user=org_tree.users["county"], case=case, comment="同一人使用两个身份证号。")

    waiting.refresh_from_db()
    assert selectors.is_flagged(first)
    assert selectors.is_flagged(case.student)
    assert waiting.state == "duplicate_fraud"


def test_confirm_removes_gallery_from_index(org_tree, opened):
    from aidface.duplicates import services
    from aidface.duplicates.index_store import template_index
    from aidface.duplicates.models import IndexedDescriptor

    case, _, _ = opened
    services.confirm_case(user=org_tree.users["county"], case=case, comment="同一人。")

    removed = IndexedDescriptor.objects.filter(student=case.student)
    assert all(row.removed_at is not None for row in removed)
    index = template_index().synced()
    assert not any(row.pk in index for row in removed)


def test_decisions_are_audited(org_tree, opened):
    from aidface.audit.models import AuditEntry
    from aidface.duplicates import services

    case, _, _ = opened
    services.confirm_case(user=org_tree.users["county"], case=case, comment="同一人。")

    entry = AuditEntry.objects.get(action="duplicate_case.confirm")
    assert entry.user == org_tree.users["county"]
    assert entry.target_id == str(case.pk)


def test_comment_required(org_tree, opened):
    from aidface.duplicates import services

    case, _, _ = opened
    with pytest.raises(services.DecisionError, match="处理意见"):
        services.clear_case(user=org_tree.users["county"], case=case, comment="  ")


def test_decided_case_rejects_second_decision(org_tree, opened):
    from aidface.duplicates import services

    case, _, _ = opened
    services.clear_case(user=org_tree.users["county"], case=case, comment="兄弟。")
    with pytest.raises(services.DecisionError, match="已处理"):
        services.confirm_case(user=org_tree.users["county"], case=case, comment="同一人。")


def test_office_above_cannot_decide(org_tree, opened):
    """The city office may view the county's case, but only the county office decides it."""
    from aidface.duplicates import services

    case, _, _ = opened
    with pytest.raises(services.DecisionError, match="负责核查"):
        services.clear_case(user=org_tree.users["city"], case=case, comment="兄弟。")


def test_waiting_until_every_case_decided(org_tree, enroller, faces, opened):
    """An enrolment that matched two students waits until both cases are decided."""
    from aidface.duplicates import services
    from aidface.duplicates.models import DuplicateCase

    case, _, _ = opened
    services.clear_case(user=org_tree.users["county"], case=case, comment="兄弟。")
    third = duplicate_faces.gallery(chip=faces.photo("cnceleb_101", 1), frames=[faces.photo(FRAUDSTER, 4)], seed=41)
    waiting = enroller.enrol(enroller.student(org_tree.county_school, "张威"), third)
    first_case, second_case = DuplicateCase.objects.filter(student=waiting.student).order_by("id")

    services.clear_case(user=org_tree.users["county"], case=first_case, comment="三胞胎。")
    waiting.refresh_from_db()
    assert waiting.state == "awaiting_duplicate_review"

    services.clear_case(user=org_tree.users["county"], case=second_case, comment="三胞胎。")
    waiting.refresh_from_db()
    assert waiting.state == "enrolled"


def test_cleared_pair_not_reopened(org_tree, enroller, faces, opened):
    """After a reset, the cleared twin enrolling again does not return to the office's queue."""
    from aidface.duplicates import services
    from aidface.duplicates.models import DuplicateCase
    from aidface.enrolment.review import reset_enrolment

    case, waiting, _ = opened
    services.clear_case(user=org_tree.users["county"], case=case, comment="双胞胎兄弟。")
    waiting.refresh_from_db()
    reset_enrolment(user=org_tree.users["county"], enrolment=waiting, reason="照片质量差，重新采集。")
    again = duplicate_faces.gallery(chip=faces.photo("cnceleb_106", 1), frames=[faces.photo(FRAUDSTER, 4)], seed=31)
    enrolment = enroller.enrol(case.student, again)

    assert DuplicateCase.objects.count() == 1
    assert enrolment.state == "enrolled"
