"""An organisation built through the org services, for scope and approval tests.

Offices: province; 郑州 (city) with 金水区 and 中牟县 below it; 洛阳 (city) with 偃师区.
Each office runs one school (key = the office's key), and each school has one approved
campus. The 金水区 school also has a student, a principal, an operator and a terminal.
"""
from dataclasses import dataclass
from decimal import Decimal

import pytest

PASSWORD = "Ceshi-Zuzhi-2026"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

OFFICES = {
    "province": ("410000", "河南省学生资助管理中心"),
    "zhengzhou": ("410100", "郑州市学生资助管理中心"),
    "luoyang": ("410300", "洛阳市学生资助管理中心"),
    "jinshui": ("410105", "金水区学生资助管理中心"),
    "zhongmou": ("410122", "中牟县学生资助管理中心"),
    "yanshi": ("410307", "偃师区学生资助管理中心"),
}

# school key -> (school code, name, region code, campus latitude, longitude)
SCHOOLS = {
    "province": ("4141000101", "测试省属交通学校", "410104", "34.752000", "113.689000"),
    "zhengzhou": ("4141000102", "测试郑州市财经学校", "410103", "34.745000", "113.640000"),
    "jinshui": ("4141000103", "测试金水区职业中专", "410105", "34.780000", "113.690000"),
    "zhongmou": ("4141000104", "测试中牟县职教中心", "410122", "34.719000", "113.976000"),
    "luoyang": ("4141000105", "测试洛阳市机电学校", "410305", "34.666700", "112.398600"),
    "yanshi": ("4141000106", "测试偃师区职业中专", "410307", "34.727300", "112.789100"),
}


@dataclass
class OrgWorld:
    offices: dict
    schools: dict
    campuses: dict
    users: dict


@pytest.fixture
def login(client):
    """Return a function that logs the test client in as a user, bypassing the lock-out backend."""

    def log_in(user):
        client.force_login(user, backend=MODEL_BACKEND)
        return client

    return log_in


@pytest.fixture
def world(db) -> OrgWorld:
    from aidface.org import services
    from aidface.org.models import Region, Role

    offices = {}
    for key, (region_code, name) in OFFICES.items():
        offices[key] = services.create_office(actor=None, region=Region.objects.get(pk=region_code), name=name)

    users = {}
    for key in OFFICES:
        users[key] = services.create_user(
            actor=None, username=f"{key}_staff", password=PASSWORD, role=Role.OFFICE_STAFF, office=offices[key]
        )

    schools = {}
    campuses = {}
    for key, (code, name, region_code, latitude, longitude) in SCHOOLS.items():
        schools[key] = services.create_school(
            actor=None,
            code=code,
            name=name,
            region=Region.objects.get(pk=region_code),
            supervising_office=offices[key],
            principal_name="测试校长",
        )
        campus = services.submit_campus(
            actor=None,
            school=schools[key],
            name=f"{name}主校区",
            address=f"{name}所在地址",
            latitude=Decimal(latitude),
            longitude=Decimal(longitude),
            coord_system="wgs84",
        )
        campuses[key] = services.approve_campus(actor=users["province"], campus=campus)

    school = schools["jinshui"]
    for role in (Role.SCHOOL_OPERATOR, Role.PRINCIPAL):
        users[role.value] = services.create_user(
            actor=None, username=f"jinshui_{role.value}", password=PASSWORD, role=role, school=school
        )
    users["terminal"] = services.create_user(
        actor=None,
        username="jinshui_terminal",
        password=PASSWORD,
        role=Role.TERMINAL,
        school=school,
        campus=campuses["jinshui"],
    )
    # Students are normally created by the roster; here a plain student account replaces it.
    users["student"] = services.create_user(
        actor=None, username="410105200801011234", password=PASSWORD, role=Role.STUDENT, school=school
    )
    users["zhongmou_operator"] = services.create_user(
        actor=None, username="zhongmou_operator", password=PASSWORD, role=Role.SCHOOL_OPERATOR, school=schools["zhongmou"]
    )
    return OrgWorld(offices=offices, schools=schools, campuses=campuses, users=users)
