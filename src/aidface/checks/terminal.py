"""Finding the student at the school terminal: the ID card or the typed ID number, then the open check.

The terminal only starts the on-site confirmation of a student of its own school who
takes part in a check open now. Every identification, found or not, writes an audit
entry, because it shows a student's name on the kiosk screen.
"""
import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from aidface.audit.services import record
from aidface.checks.errors import CheckError
from aidface.checks.fallback import check_terminal, failed_terminal_attempts, forced_pass_allowed
from aidface.checks.models import Participant, ParticipantStatus
from aidface.checks.selectors import open_participation
from aidface.enrolment.card import normalise_name
from aidface.enrolment.selectors import student_gallery
from aidface.org import scope
from aidface.org.models import User
from aidface.policy.calendar import local_day
from aidface.roster.idnumber import InvalidIdNumber, parse_id_number

logger = logging.getLogger(__name__)

SOURCES = frozenset({"card", "typed"})
DONE_STATUSES = frozenset({ParticipantStatus.PASSED, ParticipantStatus.FORCED_PASS})


@dataclass(frozen=True)
class Identification:
    """The student found at the terminal, the participation to confirm and what the terminal may do next."""

    participant: Participant
    failed_terminal_attempts: int
    forced_pass_allowed: bool

    @property
    def done(self) -> bool:
        """True when the student needs no confirmation: passed already or force-passed."""
        return self.participant.status in DONE_STATUSES


def identify_student(
    *, terminal: User, id_number: str, source: str, card_name: str = "", now: datetime | None = None
) -> Identification:
    """Find the terminal school's student by ID number and the student's participation in a check open now.

    `source` is "card" (read by the ID-card reader, with `card_name`) or "typed". Raises
    PermissionDenied for anyone but a terminal on an approved campus and CheckError when
    the number is invalid, not on the school's roster, the card's name differs from the
    roster, or no check open now covers the student.
    """
    check_terminal(terminal)
    now = now or timezone.now()
    try:
        participant = _find_participant(terminal, id_number=id_number, source=source, card_name=card_name, now=now)
    except CheckError as error:
        with transaction.atomic():
            record(user=terminal, action="check_in.terminal_identify", outcome="failure", detail={"code": error.code, "source": source})
        raise

    with transaction.atomic():
        record(
            user=terminal,
            action="check_in.terminal_identify",
            target=participant,
            target_repr=f"{participant.student.name}（{participant.check_record}）",
            school=participant.school,
            detail={
                "source": source,
                "student_id": participant.student_id,
                "check_id": participant.check_record_id,
                "status": participant.status,
            },
        )
    logger.info("terminal=%s identified participant=%s source=%s", terminal.pk, participant.pk, source)
    return Identification(
        participant=participant,
        failed_terminal_attempts=failed_terminal_attempts(participant),
        forced_pass_allowed=forced_pass_allowed(participant),
    )


def _find_participant(terminal: User, *, id_number: str, source: str, card_name: str, now: datetime) -> Participant:
    if source not in SOURCES:
        raise CheckError("source_invalid", "请读取身份证或输入身份证号")
    try:
        value = parse_id_number(id_number or "", today=local_day(now)).value
    except InvalidIdNumber as error:
        raise CheckError("invalid_id_number", f"身份证号无效：{error.message}。请核对后重新输入或读卡") from None

    student = scope.students(terminal).filter(id_number=value).select_related("school").first()
    if student is None:
        raise CheckError("not_on_roster", "本校学生名册中没有该身份证号，请核对后重试，或请学校管理员确认学生名册")
    if source == "card" and normalise_name(card_name) != normalise_name(student.name):
        raise CheckError("name_mismatch", "身份证上的姓名与学生名册不一致，请学校管理员核对学生名册")

    participant = open_participation(student, now=now)
    if participant is None or participant.school_id != terminal.school_id:
        if student_gallery(student=student) is None:
            raise CheckError(
                "not_enrolled", "该学生尚未完成新增采集（或暂时录入已过期），不参加抽查。请先在采集终端为其完成新增采集"
            )
        raise CheckError("no_open_check", "该学生目前没有进行中的抽查，无需签到")
    return Participant.objects.select_related("check_record", "student", "school").get(pk=participant.pk)
