"""The `aidface` console script: Django's management commands under one name."""
import os
import sys


def main(argv: list[str] | None = None) -> int:
    """Run a management command, for example `aidface seed_demo`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidface.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["aidface", *(sys.argv[1:] if argv is None else argv)])
    return 0
