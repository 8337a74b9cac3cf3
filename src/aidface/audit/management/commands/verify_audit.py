"""`aidface verify_audit`: check the audit hash chain and name the first broken entry."""
from contextlib import closing

from django.core.management.base import BaseCommand, CommandError

from aidface.audit.chain import verify_chain
from aidface.audit.models import AuditEntry, AuditHead

BATCH_SIZE = 2000


class Command(BaseCommand):
    help = "Check the audit log's hash chain. Exits with status 1 and names the first broken entry when the chain does not hold."

    def handle(self, *args, **options):
        head = AuditHead.objects.filter(pk=1).first()
        # Closing the iterator at once releases PostgreSQL's server-side cursor when the
        # check stops at a broken entry before reading every row.
        with closing(AuditEntry.objects.order_by("seq").iterator(chunk_size=BATCH_SIZE)) as entries:
            report = verify_chain(
                entries,
                head_seq=head.seq if head else None,
                head_hash=head.hash if head else None,
            )

        if not report.ok:
            where = f"entry #{report.broken.seq}" if report.broken.seq is not None else "the chain"
            raise CommandError(
                f"audit chain broken at {where}: {report.broken.reason} ({report.checked} entries verified before it)",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {report.checked} entries verified"))
