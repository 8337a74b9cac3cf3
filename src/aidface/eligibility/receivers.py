"""Signal receivers that keep semester eligibility in step with everything it depends on.

Each receiver recomputes synchronously inside the sender's transaction, so the stored
eligibility commits or rolls back together with the change that caused it.
"""
import logging

from django.db.models.signals import post_save
from django.dispatch import receiver

from aidface.checks.signals import month_results_changed

logger = logging.getLogger(__name__)


@receiver(month_results_changed, dispatch_uid="eligibility.month_results_changed")
def on_month_results_changed(sender, *, semester_id: int, student_ids, **kwargs) -> None:
    from aidface.eligibility.services import recompute_eligibility
    from aidface.roster.models import Semester

    semester = Semester.objects.filter(pk=semester_id).first()
    if semester is None or not student_ids:
        return
    recompute_eligibility(semester=semester, student_ids=list(student_ids))


@receiver(post_save, sender="enrolment.Enrolment", dispatch_uid="eligibility.enrolment_saved")
def on_enrolment_saved(sender, instance, **kwargs) -> None:
    """An enrolment that finishes, turns late, is reset or ends as duplicate fraud changes the reasons."""
    from aidface.eligibility.services import recompute_for_students

    recompute_for_students(student_ids=[instance.student_id], semester_id=instance.semester_id)


@receiver(post_save, sender="duplicates.DuplicateCase", dispatch_uid="eligibility.duplicate_case_saved")
def on_duplicate_case_saved(sender, instance, **kwargs) -> None:
    from aidface.duplicates.models import CaseStatus
    from aidface.eligibility.services import recompute_for_students

    if instance.status == CaseStatus.CONFIRMED:
        recompute_for_students(student_ids=[instance.student_id, instance.matched_student_id])


@receiver(post_save, sender="appeals.Appeal", dispatch_uid="eligibility.appeal_saved")
def on_appeal_saved(sender, instance, **kwargs) -> None:
    """A decided, expired, lapsed or withdrawn appeal may make its students' eligibility final."""
    from aidface.eligibility.services import recompute_eligibility

    if instance.semester_id is None:
        return
    student_ids = list(instance.items.values_list("student_id", flat=True))
    if student_ids:
        recompute_eligibility(semester=instance.semester, student_ids=student_ids)
