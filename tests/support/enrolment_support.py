"""Dates and roster records shared by the enrolment tests."""
from datetime import datetime
from zoneinfo import ZoneInfo

import enrolment_faces

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Before the spring enrolment deadline (04-20) of 2026.
ON_TIME = datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)
# After it, in the same semester.
LATE = datetime(2026, 5, 6, 9, 0, tzinfo=SHANGHAI)


def make_student(school, *, name: str = "陈晓明", birth: str = "20080315", sequence: str = "123", aided: bool = True):
    from aidface.roster.models import AidStatus, Gender, Student

    value = enrolment_faces.id_number(birth=birth, sequence=sequence)
    return Student.objects.create(
        school=school,
        name=name,
        id_number=value,
        gender=Gender.MALE if int(value[16]) % 2 else Gender.FEMALE,
        student_number=f"G{value}",
        grade="2025级",
        class_name="机电1班",
        major="机电技术应用",
        aid_status=AidStatus.AIDED if aided else AidStatus.NOT_AIDED,
    )


