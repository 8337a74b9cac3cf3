"""The `aidface import_roster FILE --school CODE [--dry-run] [--json OUT]` command."""
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aidface.org.models import School
from aidface.roster.reading import RosterFileError
from aidface.roster.services import import_file


class Command(BaseCommand):
    help = "从全国学生资助管理信息系统导出的 .xlsx 或 .csv 文件导入学生名册，并输出新增、更新、未变、拒绝四项数目。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="名册文件（.xlsx 或 .csv）")
        parser.add_argument("--school", required=True, help="学校标识码（10 位）")
        parser.add_argument("--dry-run", action="store_true", help="只检查并统计，不写入数据库")
        parser.add_argument("--json", type=Path, dest="json_out", help="把统计和拒绝原因写入该 JSON 文件")

    def handle(self, *args, file: Path, school: str, dry_run: bool, json_out: Path | None, **options):
        try:
            school_record = School.objects.get(code=school)
        except School.DoesNotExist:
            raise CommandError(f"没有学校标识码为 {school} 的学校，请核对后重试。") from None
        try:
            content = Path(file).read_bytes()
        except OSError:
            raise CommandError(f"无法读取文件 {file}，请确认路径正确并且有读取权限。") from None

        try:
            plan = import_file(user=None, school=school_record, content=content, file_name=Path(file).name, dry_run=dry_run)
        except RosterFileError as error:
            raise CommandError(error.message) from None

        counts = plan.counts
        prefix = "（试运行，未写入）" if dry_run else ""
        self.stdout.write(
            f"{prefix}新增 {counts['added']}，更新 {counts['updated']}，"
            f"未变 {counts['unchanged']}，拒绝 {counts['rejected']}"
        )
        for rejection in plan.rejected:
            self.stdout.write(f"  第 {rejection.rows_label} 行：{'；'.join(rejection.reasons)}")

        if json_out is not None:
            json_out = Path(json_out)
            report = {
                "school": school_record.code,
                "dry_run": dry_run,
                "counts": counts,
                "added_rows": [row.row_number for row in plan.added],
                "updated_rows": [
                    {"row": row.row_number, "changed": list(row.changed_fields)} for row in plan.updated
                ],
                "unchanged_rows": [row.row_number for row in plan.unchanged],
                "rejected": [
                    {"rows": list(rejection.row_numbers), "reasons": list(rejection.reasons)}
                    for rejection in plan.rejected
                ],
            }
            json_out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
