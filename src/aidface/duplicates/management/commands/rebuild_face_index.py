from django.core.management.base import BaseCommand

from aidface.duplicates.services import rebuild_index


class Command(BaseCommand):
    help = "从有效人脸模板重建 1:N 查重索引并保存到 var 目录（Rebuild the 1:N duplicate-search index from the active galleries）。"

    def handle(self, *args, **options):
        summary = rebuild_index()
        self.stdout.write(
            f"galleries={summary.galleries} descriptors_added={summary.descriptors_added} "
            f"descriptors_removed={summary.descriptors_removed} indexed={summary.indexed} seconds={summary.seconds:.1f}"
        )
