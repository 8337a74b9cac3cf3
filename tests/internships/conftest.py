"""Fixtures for internship tests: roster students of the county school and a record factory."""
import pytest
from internships_support import NOW, raw_fields

from enrolment_support import make_student


@pytest.fixture
def operator(org_tree):
    return org_tree.users["operator"]


@pytest.fixture
def student(org_tree):
    return make_student(org_tree.county_school, name="赵小兵", birth="20070512", sequence="211")


@pytest.fixture
def other_student(org_tree):
    return make_student(org_tree.county_school, name="钱晓梅", birth="20070824", sequence="222")


@pytest.fixture
def foreign_student(org_tree):
    """A student of the Xin'an county school, outside the Gongyi offices' jurisdiction."""
    return make_student(org_tree.other_county_school, name="孙立", birth="20070101", sequence="233")


@pytest.fixture
def make_record(operator):
    """Create a draft through the service, optionally filed; dates default to START..END."""
    from aidface.internships import services

    def make(student, *, now=NOW, file=False, **changes):
        created = services.create_record(user=operator, school=student.school, raw=raw_fields(student, **changes), now=now)
        if file:
            services.file_record(user=operator, record=created, now=now)
            created.refresh_from_db()
        return created

    return make
