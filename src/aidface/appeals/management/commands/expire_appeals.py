"""`aidface expire_appeals`: close appeals whose decision period or filing window has passed.

Safe to run any number of times (for example hourly from cron): an appeal already
expired is left alone. The pages also expire due appeals when they are read.
"""
from django.core.management.base import BaseCommand

from aidface.appeals.services import expire_due_appeals


class Command(BaseCommand):
    help = "Expire undecided appeals past their deadline and unsigned drafts past their filing window (idempotent)."

    def handle(self, *args, **options) -> None:
        changed = expire_due_appeals()
        self.stdout.write(f"{changed} appeal(s) expired")
