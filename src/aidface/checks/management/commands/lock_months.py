"""`aidface lock_months`: compute the final month results that are due and lock them (Art. 14).

Run it from a scheduler shortly after midnight Asia/Shanghai every day. A run that finds
nothing due locks nothing, so running it more often is harmless.
"""
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from aidface.checks.results import lock_due_months_by_month


class Command(BaseCommand):
    help = "Compute the final results of every month whose lock moment has passed, lock them, and print the counts."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--now",
            help=(
                "moment to lock as of, ISO 8601 with a UTC offset such as 2026-04-01T00:05+08:00, "
                "for catching up after a missed run; it may not lie in the future (default: the current time)"
            ),
        )

    def handle(self, *args, **options) -> None:
        now = None
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError(f"invalid --now {options['now']!r}: expected ISO 8601 such as 2026-04-01T00:05+08:00") from None
            if now.tzinfo is None:
                raise CommandError(f"--now {options['now']!r} has no UTC offset: add one such as +08:00")
            # A future moment would lock months that are still running while the pages,
            # which go by the real date, keep accepting changes to them.
            if now > timezone.now():
                raise CommandError(f"--now {options['now']!r} lies in the future: only the current or an earlier moment may be locked")

        months = lock_due_months_by_month(now=now)
        for item in months:
            self.stdout.write(
                f"{item.year}-{item.month:02d}: {item.schools} schools, {item.locked} month results locked, "
                f"{item.changed} changed when computing the final results"
            )
        total = sum(item.locked for item in months)
        self.stdout.write(f"locked {total} month results in {len(months)} months")
