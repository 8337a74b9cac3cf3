"""A forced pass ready for review: a student enrolled from real photos, one failed terminal attempt, the forced pass.

Shared by the review, page and appeal tests, so each starts from a ForcedPassReview in one call.
"""
from datetime import timedelta

import checks_support
import enrolment_faces

# Forty minutes into the check that `checks_support.make_check` opens by default.
FORCED_AT = checks_support.MARCH_CHECK + timedelta(minutes=40)


def failed_terminal_attempt(participant, *, number: int = 1, outcome: str = "face_mismatch", at=None):
    """Store a failed terminal attempt as the check-in core would, and mark the participant failed."""
    from aidface.checks.models import CheckIn, ParticipantStatus

    check_in = CheckIn.objects.create(
        participant=participant,
        check_record=participant.check_record,
        student=participant.student,
        school=participant.school,
        channel="terminal",
        number=number,
        outcome=outcome,
        reasons=[{"code": outcome, "message": "现场确认未通过"}],
        created_at=at or FORCED_AT - timedelta(minutes=2),
    )
    participant.status = ParticipantStatus.FAILED
    participant.terminal_attempts = number
    participant.save(update_fields=["status", "terminal_attempts"])
    return check_in


def force_passed_review(org_tree, person, *, name: str = "陈晓明", sequence: str = "123"):
    """Return the ForcedPassReview of a county-school student force-passed at the county terminal."""
    from aidface.checks.fallback import force_pass

    checks_support.approve_campus(org_tree.campus)
    terminal = org_tree.users["terminal"]
    terminal.refresh_from_db()
    student = checks_support.make_student(org_tree.county_school, name=name, sequence=sequence)
    checks_support.enrol_from_photos(student, [person.chip_source, person.frontal, person.right])
    check = checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school], students=[student], launched_by=org_tree.users["county"]
    )
    participant = check.participants.get()
    failed_terminal_attempt(participant)
    evidence = enrolment_faces.camera_frame(person.frontal, seed=3)
    return force_pass(terminal=terminal, participant=participant, evidence_photo=evidence, now=FORCED_AT).review
