"""`aidface simulate_semester --faces DIR`: run a whole spring semester of a demo province and print eligibility.

Meant for an empty demo or test database: it creates a city office, two schools, their
users and students, and refuses to run twice on the same database.
"""
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from aidface.eligibility.models import Reason
from aidface.eligibility.simulation import run_simulation

# One student per role. In the face photo set the tests use, 11 identities qualify for
# genuine check-ins. That is enough for up to 22 students, and larger runs need more photos.
DEFAULT_STUDENTS = 12


class Command(BaseCommand):
    help = "Simulate a spring semester with real face photos (enrolment, checks, marks, appeals, internships) and print the eligibility summary."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--faces", required=True, help="folder of real face photos (with asian/gallery and gallery subfolders)")
        parser.add_argument("--students", type=int, default=DEFAULT_STUDENTS,
                            help=f"number of simulated students, at least 12 (default {DEFAULT_STUDENTS})")
        parser.add_argument("--seed", type=int, default=1, help="seed of every random choice, for a repeatable run (default 1)")
        parser.add_argument("--year", type=int, default=2026, help="year of the simulated spring semester (default 2026)")

    def handle(self, *args, **options) -> None:
        faces = Path(options["faces"])
        if not faces.is_dir():
            raise CommandError(f"--faces {faces} is not a folder of face photos")
        # A fresh AIDFACE_VAR_DIR has an empty database: create the tables first.
        call_command("migrate", interactive=False, verbosity=0)
        try:
            report = run_simulation(
                faces_dir=faces, students=options["students"], seed=options["seed"], year=options["year"], stdout=self.stdout
            )
        except ValueError as error:
            raise CommandError(str(error)) from None

        self.stdout.write(f"eligibility {report.semester}: {report.students} students, "
                          f"{report.eligible} eligible, {report.cancelled} cancelled")
        labels = dict(Reason.choices)
        for code in Reason.values:
            self.stdout.write(f"  {code} ({labels[code]}): {report.by_reason.get(code, 0)}")
        for note in report.notes:
            self.stdout.write(f"note: {note}")
