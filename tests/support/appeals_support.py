"""Factories of the appeal tests: month results stored directly, documents, and filing in one call."""
import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from PIL import Image

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)
def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def image_bytes(kind: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


def month_result(student, year: int, month: int, state: str):
    """Store a month result directly, locked as `lock_months` would leave it."""
    from aidface.checks.models import MonthResult
    from aidface.policy.calendar import Term
    from aidface.roster.services import ensure_semester

    semester = ensure_semester(year=year, term=Term.SPRING if month <= 6 else Term.AUTUMN)
    return MonthResult.objects.create(
        student=student,
        school=student.school,
        semester=semester,
        year=year,
        month=month,
        state=state,
        computed_at=at(year, month, 28),
        locked=True,
    )


@dataclass
class AppealWorld:
    tree: object
    absent: object
    failed: object
    normal: object
    other_school_student: object

    @property
    def operator(self):
        return self.tree.users["operator"]

    @property
    def principal(self):
        return self.tree.users["principal"]

    @property
    def office(self):
        """Staff of the county office that supervises the school."""
        return self.tree.users["county"]


def draft(world: AppealWorld, target_key: str, students, *, now: datetime, user=None, document: bytes | None = None,
          name: str = "申诉函.pdf"):
    from aidface.appeals.services import draft_appeal

    return draft_appeal(
        user=user or world.operator,
        target_key=target_key,
        reasons={student.pk: f"{student.name}因病住院，附医院证明" for student in students},
        document=pdf_bytes() if document is None else document,
        document_name=name,
        now=now,
    )


def file_appeal(world: AppealWorld, target_key: str, students, *, now: datetime):
    """Draft as the operator and sign as the principal at the same moment."""
    from aidface.appeals.services import sign_appeal

    appeal = draft(world, target_key, students, now=now)
    return sign_appeal(user=world.principal, appeal=appeal, now=now)
