"""Fixtures of the appeal tests: a county school with students; month results are stored per test."""
import pytest

from appeals_support import AppealWorld
from enrolment_support import make_student


@pytest.fixture
def world(org_tree) -> AppealWorld:
    """Three students of the county school and one of the Xin'an school, with no results yet."""
    school = org_tree.county_school
    return AppealWorld(
        tree=org_tree,
        absent=make_student(school, name="王小明", sequence="101"),
        failed=make_student(school, name="李小红", birth="20080520", sequence="102"),
        normal=make_student(school, name="赵大海", birth="20080711", sequence="103"),
        other_school_student=make_student(org_tree.other_county_school, name="孙丽", birth="20081101", sequence="104"),
    )
