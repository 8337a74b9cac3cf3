"""Art. 6 rules: consent, once per student with the office's reset, late enrolment, unusable chip photo."""
import io

import pytest
from PIL import Image

from enrolment_support import LATE, ON_TIME

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def blank_chip() -> bytes:
    """A 102×126 chip photo without a face, as a damaged chip can give."""
    output = io.BytesIO()
    Image.linear_gradient("L").resize((102, 126)).convert("RGB").save(output, "BMP")
    return output.getvalue()


def error_code(call) -> str:
    from aidface.enrolment.services import EnrolmentError

    with pytest.raises(EnrolmentError) as caught:
        call()
    return caught.value.code


def test_challenge_needs_consent(flow, student, chip):
    from aidface.enrolment import services

    reading = flow.read_card(student, chip)
    assert error_code(lambda: services.issue_challenge(terminal=flow.terminal, enrolment=reading.enrolment)) == "consent_missing"


def test_consent_records_time_and_terminal(flow, student, chip, org_tree):
    reading = flow.read_card(student, chip)
    consent = flow.consent(reading.enrolment)[0]
    assert consent.kind == "student"
    assert consent.given_at == ON_TIME
    assert consent.terminal == org_tree.users["terminal"]
    assert consent.campus == org_tree.campus


def test_minor_needs_guardian(flow, minor, chip):
    reading = flow.read_card(minor, chip)
    assert reading.guardian_consent_required is True
    assert error_code(lambda: flow.consent(reading.enrolment)) == "guardian_consent_missing"


def test_minor_guardian_consent_recorded(flow, minor, chip):
    reading = flow.read_card(minor, chip)
    consents = flow.consent(reading.enrolment, guardian_name="李建国", guardian_relation="父亲", guardian_consents=True)
    assert [consent.kind for consent in consents] == ["student", "guardian"]
    assert consents[1].signer_name == "李建国"


def test_challenge_uses_policy_actions(flow, student, chip):
    from aidface.enrolment import services

    reading = flow.read_card(student, chip)
    flow.consent(reading.enrolment)
    challenge = services.issue_challenge(terminal=flow.terminal, enrolment=reading.enrolment)
    assert set(challenge.actions) == {"turn_left", "turn_right"}


def test_default_policy_offers_four_actions():
    from aidface.policy.values import PROVINCE_DEFAULTS

    assert set(PROVINCE_DEFAULTS.liveness_actions) == {"blink", "open_mouth", "turn_left", "turn_right"}


def test_second_enrolment_refused(flow, student, chip):
    flow.enrol(student, chip)
    assert error_code(lambda: flow.read_card(student, chip)) == "already_enrolled"


def test_reset_allows_new_enrolment(flow, student, chip, org_tree):
    from aidface.enrolment import review
    from aidface.enrolment.models import Enrolment, FaceTemplate

    first, _ = flow.enrol(student, chip)
    review.reset_enrolment(user=org_tree.users["county"], enrolment=first, reason="学生更换身份证后重新采集")
    second, result = flow.enrol(student, chip)

    assert result.outcome == "passed"
    assert Enrolment.objects.get(pk=first.pk).state == "reset"
    assert FaceTemplate.objects.get(active=True).enrolment == second


def test_reset_audited_with_reason(flow, student, chip, org_tree):
    from aidface.audit.models import AuditEntry
    from aidface.enrolment import review

    enrolment, _ = flow.enrol(student, chip)
    review.reset_enrolment(user=org_tree.users["county"], enrolment=enrolment, reason="证件信息更正")
    entry = AuditEntry.objects.get(action="enrolment.reset")
    assert entry.detail["reason"] == "证件信息更正"
    assert entry.username == "county_staff"


def test_reset_needs_reason(flow, student, chip, org_tree):
    from aidface.enrolment import review

    enrolment, _ = flow.enrol(student, chip)
    assert error_code(lambda: review.reset_enrolment(user=org_tree.users["county"], enrolment=enrolment, reason=" ")) == "reason_missing"


def test_reset_only_by_supervising_office(flow, student, chip, org_tree):
    from django.core.exceptions import PermissionDenied

    from aidface.enrolment import review

    enrolment, _ = flow.enrol(student, chip)
    # The county's school is in the city office's scope, but only the county office runs it.
    with pytest.raises(PermissionDenied):
        review.reset_enrolment(user=org_tree.users["city"], enrolment=enrolment, reason="重新采集")


def test_reset_outside_scope_not_found(flow, student, chip, org_tree):
    from django.http import Http404

    from aidface.enrolment import review

    enrolment, _ = flow.enrol(student, chip)
    with pytest.raises(Http404):
        review.reset_enrolment(user=org_tree.users["other_county"], enrolment=enrolment, reason="重新采集")


def test_on_time_enrolment_joins_checks(flow, student, chip):
    from aidface.enrolment import selectors

    enrolment, _ = flow.enrol(student, chip, now=ON_TIME)
    enrolment.refresh_from_db()
    assert enrolment.late is False
    assert selectors.takes_part_in_routine_checks(student=student, semester=enrolment.semester, at=LATE) is True


def test_late_enrolment_marked(flow, student, chip):
    from aidface.enrolment import selectors

    enrolment, result = flow.enrol(student, chip, now=LATE)
    enrolment.refresh_from_db()
    assert result.late is True
    assert enrolment.late is True
    assert enrolment.semester.year == 2026
    assert selectors.takes_part_in_routine_checks(student=student, semester=enrolment.semester, at=LATE) is False


def test_late_student_listed_as_late(flow, student, chip, org_tree):
    from aidface.enrolment import selectors

    flow.enrol(student, chip, now=LATE)
    late = selectors.student_statuses(org_tree.users["operator"], state="late")
    assert list(late) == [student]


def test_unusable_chip_goes_to_review(flow, student):
    from aidface.enrolment.models import EnrolmentState

    enrolment, result = flow.enrol(student, blank_chip())
    enrolment.refresh_from_db()
    assert result.outcome == "reference_unusable"
    assert enrolment.state == EnrolmentState.REFERENCE_UNUSABLE


def test_liveness_failure_allows_retry(flow, student, chip, person):
    import enrolment_faces

    reading = flow.read_card(student, chip)
    flow.consent(reading.enrolment)
    still = [enrolment_faces.turn_frames(person)[index] for index in (0, 1, 2, 3, 10, 11)]
    first = flow.capture(reading.enrolment, frames=still)
    second = flow.capture(reading.enrolment)

    assert first.outcome == "liveness_failed"
    assert second.outcome == "passed"
    assert list(reading.enrolment.attempts.values_list("number", "outcome")) == [(1, "liveness_failed"), (2, "passed")]


def test_reused_nonce_rejected(flow, student, chip):
    import enrolment_faces
    from aidface.enrolment import services

    reading = flow.read_card(student, chip)
    flow.consent(reading.enrolment)
    challenge = services.issue_challenge(terminal=flow.terminal, enrolment=reading.enrolment, now=ON_TIME)
    frames = enrolment_faces.turn_frames(flow.person)
    services.submit_capture(terminal=flow.terminal, enrolment=reading.enrolment, nonce=challenge.nonce, frames=frames[:3], now=ON_TIME)
    again = services.submit_capture(
        terminal=flow.terminal, enrolment=reading.enrolment, nonce=challenge.nonce, frames=frames, now=ON_TIME
    )
    assert again.reason_codes == ("nonce_reused",)
