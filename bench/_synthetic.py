"""Shared parts of the benchmarks over a synthetic province on PostgreSQL.

Django set-up against the benchmark's own PostgreSQL database, timed steps in child
processes with their peak memory, the offices, schools and students of the province,
and writing rows with COPY. Used by bench_eligibility.py and bench_month_results.py.
"""
from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

SHANGHAI = ZoneInfo("Asia/Shanghai")
STUDENTS_PER_SCHOOL = 1000
ROWS_PER_COPY_CHUNK = 200_000


def setup_django() -> bool:
    """Set Django up and return True, or print why not and return False, because the benchmarks need PostgreSQL for COPY."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("set DATABASE_URL to an empty PostgreSQL database of its own; this benchmark uses COPY", file=sys.stderr)
        return False
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidface.settings")
    os.environ.setdefault("AIDFACE_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    return True


def run_child(script: str, step: list[str]) -> dict:
    """Run `script` with the step's arguments in a fresh process and return the JSON figures it prints last."""
    command = [sys.executable, script, *step]
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=os.environ.copy()).stdout
    return json.loads(output.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    """Return this process's peak resident set size in MB.

    VmHWM starts afresh at exec. ru_maxrss does not: on Linux a child started from a big
    parent reports at least the parent's size at fork.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def create_offices():
    """Create the province's office and those of Henan's cities and counties; return (province, cities, counties)."""
    from aidface.org.models import AidOffice, Level, Region

    province = AidOffice.objects.create(name="河南省学生资助管理中心", level=Level.PROVINCE, region_id="410000")
    cities = [
        AidOffice.objects.create(name=f"{region.name}学生资助管理中心", level=Level.CITY, region=region, parent=province)
        for region in Region.objects.filter(parent="410000").order_by("code")
    ]
    counties = [
        AidOffice.objects.create(name=f"{region.name}学生资助管理中心", level=Level.COUNTY, region=region, parent=city)
        for city in cities
        for region in Region.objects.filter(parent=city.region_id).order_by("code")
    ]
    return province, cities, counties


def create_schools(rng, count: int, *, offices, code_prefix: str) -> list:
    """Create `count` schools run by the province (10 %), a city (30 %) or a county (60 %)."""
    from aidface.org.models import School

    province, cities, counties = offices
    schools = []
    for index in range(count):
        draw = rng.random()
        if draw < 0.1:
            office, region_id = province, "410100"
        elif draw < 0.4:
            office = rng.choice(cities)
            region_id = office.region_id
        else:
            office = rng.choice(counties)
            region_id = office.region_id
        code, name = f"{code_prefix}{index:08d}", f"基准职业学校{index:05d}"
        schools.append(School(code=code, name=name, region_id=region_id, supervising_office=office))
    return School.objects.bulk_create(schools, batch_size=1000)


def copy_students(schools: list, student_count: int, *, gender: str, stamp: str):
    """COPY `student_count` students into the schools, STUDENTS_PER_SCHOOL each.

    Return (the students' ids, each student's school by position).
    """
    from aidface.roster.models import Student

    first_student = (Student.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    student_ids = range(first_student, first_student + student_count)
    school_of = [schools[index // STUDENTS_PER_SCHOOL] for index in range(student_count)]

    def student_rows():
        for index, student_id in enumerate(student_ids):
            yield (student_id, school_of[index].pk, f"学生{index}", f"B{index:017d}", gender, f"S{index:09d}", "2025级", "1班",
                   "机电", "aided", stamp, stamp)  # fmt: skip

    copy_rows(Student, ["id", "school_id", "name", "id_number", "gender", "student_number", "grade", "class_name", "major",
                        "aid_status", "created_at", "updated_at"], student_rows())  # fmt: skip
    reset_sequence(Student)
    return student_ids, school_of


def copy_rows(model, columns: list[str], rows) -> int:
    """COPY the rows into the model's table in chunks of tab-separated text; return how many were written."""
    from django.db import connection, transaction

    table = model._meta.db_table
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            buffer = io.StringIO()
            for count, row in enumerate(rows, 1):
                buffer.write("\t".join(str(value) for value in row))
                buffer.write("\n")
                if count % ROWS_PER_COPY_CHUNK == 0:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
                written = count
            copy.write(buffer.getvalue())
    return written


def reset_sequence(model) -> None:
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def analyze() -> None:
    """Refresh PostgreSQL's statistics after the bulk writes."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
