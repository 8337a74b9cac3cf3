"""`aidface recompute_eligibility`: recompute and store every student's eligibility of a semester (Art. 11).

Run it daily after `aidface lock_months` and `aidface expire_appeals`: the signal
receivers keep eligibility current on every change, and this run also picks up roster
changes and writes the final flag once the semester appeal window has closed.
"""
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from aidface.eligibility.services import recompute_eligibility
from aidface.policy.calendar import Term
from aidface.roster.services import ensure_semester, semester_at


class Command(BaseCommand):
    help = "Recompute the eligibility of every student of a semester and print the counts per reason."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--semester", help="semester as YEAR-spring or YEAR-autumn, e.g. 2026-spring (default: the current one)")
        parser.add_argument("--now", help="moment to compute as of, ISO 8601 with a UTC offset (default: the current time)")

    def handle(self, *args, **options) -> None:
        now = _parse_now(options["now"])
        semester = _parse_semester(options["semester"]) if options["semester"] else semester_at(now or timezone.now())
        summary = recompute_eligibility(semester=semester, now=now)
        self.stdout.write(
            f"{semester.year}-{semester.term}: {summary.students} students, {summary.eligible} eligible, "
            f"{summary.cancelled} cancelled, {summary.written} rows written"
        )
        for code, count in sorted(summary.by_reason.items()):
            self.stdout.write(f"  {code}: {count}")


def _parse_now(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        now = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"invalid --now {text!r}: expected ISO 8601 such as 2026-07-01T00:05+08:00") from None
    if now.tzinfo is None:
        raise CommandError(f"--now {text!r} has no UTC offset: add one such as +08:00")
    return now


def _parse_semester(text: str):
    year_text, _, term_text = text.partition("-")
    try:
        return ensure_semester(year=int(year_text), term=Term(term_text))
    except ValueError:
        raise CommandError(f"invalid --semester {text!r}: expected YEAR-spring or YEAR-autumn, e.g. 2026-spring") from None
