"""Dates and raw field values shared by the internship tests.

Service tests pass `now` explicitly. Page tests use dates relative to the real clock,
because the pages compute the state from today's date.
"""
from datetime import date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
# A morning in March 2026, before the internship of `raw_fields` starts on 1 April.
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=SHANGHAI)
START = date(2026, 4, 1)
END = date(2026, 6, 30)


def local_today() -> date:
    return datetime.now(SHANGHAI).date()


def raw_fields(student, **changes) -> dict[str, object]:
    """Valid raw values of a record for `student`, as the form posts them."""
    values = {
        "name": student.name,
        "id_number": student.id_number,
        "grade": "2024级",
        "class_name": "数控2班",
        "company": "郑州宇通客车股份有限公司",
        "address": "河南省郑州市管城回族区宇通路 6 号",
        "latitude": "",
        "longitude": "",
        "coord_system": "",
        "supervisor_name": "王建国",
        "supervisor_phone": "13838112233",
        "start_date": START.isoformat(),
        "end_date": END.isoformat(),
    }
    values.update(changes)
    return values
