"""The supervising office's two-person review of a forced pass, and what it does to the month result."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

import enrolment_faces
import forced_pass_support

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = forced_pass_support.FORCED_AT
# March's results lock on April 1st; the review stays open until April 11th (end of the appeal window).
AFTER_LOCK = datetime(2026, 4, 5, 10, 0, tzinfo=SHANGHAI)
DUE = datetime(2026, 4, 11, tzinfo=SHANGHAI)


@pytest.fixture
def person(faces_dir):
    return enrolment_faces.person(faces_dir)


@pytest.fixture
def forced(org_tree, person):
    """A participant force-passed at the terminal after a failed terminal attempt; returns the review."""
    return forced_pass_support.force_passed_review(org_tree, person)


@pytest.fixture
def second_staff(org_tree):
    from aidface.org.models import Role, User

    return User.objects.create(username="county_staff_2", role=Role.OFFICE_STAFF, office=org_tree.gongyi, display_name="复核员二")


def review(review, user, decision: str, comment: str = "", now: datetime = NOW + timedelta(days=1)):
    from aidface.checks.review import review_forced_pass

    return review_forced_pass(user=user, review=review, decision=decision, comment=comment, now=now)


def month_state(review) -> str:
    from aidface.checks.models import MonthResult

    return MonthResult.objects.get(student=review.participant.student, year=2026, month=3).state


def test_first_reviewer_records_proposal(org_tree, forced):
    from aidface.audit.models import AuditEntry

    first = org_tree.users["county"]
    result = review(forced, first, "failed", "照片与本人不符")

    assert result.state == "pending"
    assert result.first_reviewer_id == first.pk
    assert result.first_decision == "failed"
    assert result.first_comment == "照片与本人不符"
    assert result.second_reviewer_id is None
    result.participant.refresh_from_db()
    assert result.participant.status == "forced_pass"
    entry = AuditEntry.objects.get(action="forced_pass_review.propose")
    assert entry.target_id == str(forced.pk)
    assert entry.detail["decision"] == "failed"


def test_same_reviewer_twice_refused(org_tree, forced):
    from aidface.audit.models import AuditEntry
    from aidface.checks.errors import CheckError

    first = org_tree.users["county"]
    review(forced, first, "confirmed")

    with pytest.raises(CheckError) as raised:
        review(forced, first, "confirmed")

    assert raised.value.code == "same_reviewer"
    forced.refresh_from_db()
    assert forced.state == "pending"
    assert forced.second_reviewer_id is None
    refused = AuditEntry.objects.get(action="forced_pass_review.refuse")
    assert refused.outcome == "failure"
    assert refused.detail["code"] == "same_reviewer"


def test_second_reviewer_confirms(org_tree, forced, second_staff):
    from aidface.audit.models import AuditEntry

    review(forced, org_tree.users["county"], "failed", "存疑")
    result = review(forced, second_staff, "confirmed", "核实为本人，光线原因")

    assert result.state == "confirmed"
    assert result.second_reviewer_id == second_staff.pk
    result.participant.refresh_from_db()
    assert result.participant.status == "forced_pass"
    assert month_state(result) == "forced_pass"
    entry = AuditEntry.objects.get(action="forced_pass_review.decide")
    assert entry.detail["decision"] == "confirmed"
    assert entry.detail["first_decision"] == "failed"


def test_second_decision_failed_is_final(org_tree, forced, second_staff):
    from aidface.checks.errors import CheckError

    review(forced, org_tree.users["county"], "failed", "留证照片不是本人")
    result = review(forced, second_staff, "failed", "留证照片不是本人")

    assert result.state == "failed"
    result.participant.refresh_from_db()
    assert result.participant.status == "failed"
    assert month_state(result) == "failed"

    third = org_tree.users["county"]
    with pytest.raises(CheckError) as raised:
        review(forced, third, "confirmed", now=NOW + timedelta(days=2))
    assert raised.value.code == "review_decided"


def test_failed_after_lock_changes_month(org_tree, forced, second_staff):
    from aidface.checks.locking import is_month_locked

    assert is_month_locked(school=forced.participant.school, year=2026, month=3, at=AFTER_LOCK)
    review(forced, org_tree.users["county"], "failed", "不是本人", now=AFTER_LOCK)
    review(forced, second_staff, "failed", "不是本人", now=AFTER_LOCK + timedelta(hours=1))

    assert month_state(forced) == "failed"


def test_review_after_due_refused(org_tree, forced, second_staff):
    from aidface.checks.errors import CheckError

    review(forced, org_tree.users["county"], "failed", "不是本人")

    with pytest.raises(CheckError) as raised:
        review(forced, second_staff, "failed", "不是本人", now=DUE)

    assert raised.value.code == "review_overdue"
    assert "2026年04月11日 00:00" in raised.value.message
    forced.refresh_from_db()
    assert forced.state == "pending"
    forced.participant.refresh_from_db()
    assert forced.participant.status == "forced_pass"


def test_proposal_after_due_refused(org_tree, forced):
    from aidface.checks.errors import CheckError

    with pytest.raises(CheckError) as raised:
        review(forced, org_tree.users["county"], "confirmed", now=DUE + timedelta(days=3))
    assert raised.value.code == "review_overdue"


def test_failed_needs_comment(org_tree, forced):
    from aidface.checks.errors import CheckError

    with pytest.raises(CheckError) as raised:
        review(forced, org_tree.users["county"], "failed", "  ")
    assert raised.value.code == "comment_missing"


def test_unknown_decision_refused(org_tree, forced):
    from aidface.checks.errors import CheckError

    with pytest.raises(CheckError) as raised:
        review(forced, org_tree.users["county"], "pending")
    assert raised.value.code == "decision_invalid"


def test_outside_jurisdiction_not_found(org_tree, forced):
    with pytest.raises(Http404):
        review(forced, org_tree.users["other_county"], "confirmed")
    with pytest.raises(Http404):
        review(forced, org_tree.users["other_city"], "confirmed")


def test_office_above_may_not_review(org_tree, forced):
    # The city office reads the county's forced passes, but only the supervising office reviews them.
    with pytest.raises(PermissionDenied):
        review(forced, org_tree.users["city"], "confirmed")
    with pytest.raises(PermissionDenied):
        review(forced, org_tree.users["province"], "confirmed")


def test_school_staff_may_not_review(org_tree, forced):
    with pytest.raises(PermissionDenied):
        review(forced, org_tree.users["operator"], "confirmed")
    with pytest.raises(PermissionDenied):
        review(forced, org_tree.users["principal"], "confirmed")


def test_student_and_terminal_see_no_review(org_tree, forced):
    from aidface.checks.review_selectors import forced_pass_reviews

    assert not forced_pass_reviews(org_tree.users["student"]).exists()
    assert not forced_pass_reviews(org_tree.users["terminal"]).exists()
    assert forced_pass_reviews(org_tree.users["operator"]).get() == forced
    assert forced_pass_reviews(org_tree.users["province"]).get() == forced
    assert not forced_pass_reviews(org_tree.users["other_principal"]).exists()
