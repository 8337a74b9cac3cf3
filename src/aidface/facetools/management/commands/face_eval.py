"""`aidface face_eval`: verification accuracy and error rates on labelled pairs or a gallery folder."""
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aidface.face.descriptor import DlibResnet
from aidface.face.evaluate import EvaluationOptions, evaluate_gallery, evaluate_pairs, summary_lines


class Command(BaseCommand):
    help = "Evaluate 1:1 verification on a pairs file (--pairs) or on identity folders (--gallery)."

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--pairs", type=Path, help="TSV file of left<TAB>right<TAB>same, paths relative to the file")
        source.add_argument("--gallery", type=Path, help="folder with one sub-folder of photos per identity")
        parser.add_argument("--references", type=int, default=3, help="photos per identity gallery (with --gallery); default 3")
        parser.add_argument("--json", type=Path, help="write the full report as JSON to this file")
        parser.add_argument("--workers", type=int, default=1, help="processes that compute descriptors; default 1")
        parser.add_argument("--flip", action="store_true", help="average each descriptor with the mirrored face's (a second network pass)")
        parser.add_argument("--jitters", type=int, default=0, help="dlib jittered copies per face; default 0")
        parser.add_argument("--no-fallback-box", action="store_true", help="count undetected faces as failures instead of using the centred box")
        parser.add_argument("--gallery-rule", choices=("mean", "min"), default="mean", help="how a probe is compared with a gallery; default mean")

    def handle(self, *args, **options):
        evaluation = EvaluationOptions(
            model=DlibResnet(flip=options["flip"], jitters=options["jitters"]),
            fallback_box=not options["no_fallback_box"],
            workers=options["workers"],
            gallery_rule=options["gallery_rule"],
        )
        if options["pairs"]:
            if not options["pairs"].is_file():
                raise CommandError(f"pairs file not found: {options['pairs']}")
            report = evaluate_pairs(options["pairs"], options=evaluation)
        else:
            if not options["gallery"].is_dir():
                raise CommandError(f"gallery folder not found: {options['gallery']}")
            if options["references"] < 1:
                raise CommandError(f"--references must be at least 1, got {options['references']}")
            report = evaluate_gallery(options["gallery"], references=options["references"], options=evaluation)

        for line in summary_lines(report):
            self.stdout.write(line)
        if options["json"]:
            options["json"].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            self.stdout.write(f"report written to {options['json']}")
