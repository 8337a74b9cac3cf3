"""Fixtures shared by every test area: the face photo folder and a small organisation tree.

Transactional tests (live server, threads) end with a flush that empties every table,
including the regions that a data migration loads. `restore_migration_data` loads them
again before each such test.
"""
import functools
import importlib
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parent.parent
TEST_PASSWORD = "Ceshi-Mima-2026"


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    """The real face photos: AIDFACE_FACES_DIR, by default ../shared/faces beside the repository."""
    path = Path(os.environ.get("AIDFACE_FACES_DIR", REPO_DIR.parent / "shared" / "faces"))
    if not path.is_dir():
        pytest.skip(f"face photos not found at {path}; set AIDFACE_FACES_DIR to the folder of real face photos")
    return path


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory) -> None:
    """Put the SQLite test database in a file instead of shared-cache memory.

    In shared-cache memory SQLite fails a write at once with "database table is locked"
    when another thread has locked the table, and the live server's threads (a page and the
    photos it loads) write audit entries at the same moment. A file database waits for
    the lock for the configured busy timeout, as the production SQLite file does.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return
    database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("database") / "test.sqlite3")
    # Test data need not survive a power cut, so skip the syncs that make commits slow.
    options = database.setdefault("OPTIONS", {})
    options["init_command"] = "PRAGMA journal_mode=WAL;PRAGMA synchronous=OFF"


@pytest.fixture(autouse=True, scope="session")
def fast_password_hasher():
    """Hash test passwords with MD5: the production PBKDF2 hasher is slow by design."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def face_index_file(settings, tmp_path) -> Path:
    """Give every test its own 1:N index checkpoint, so tests that enrol never write to var/."""
    from aidface.duplicates.index_store import forget_loaded

    path = tmp_path / "face_index" / "templates.index"
    settings.FACE_INDEX_PATH = str(path)
    forget_loaded()
    yield path
    forget_loaded()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Turn a skip for missing face photos into a failure where AIDFACE_REQUIRE_FACES=1 (CI)."""
    report = yield
    if report.skipped and os.environ.get("AIDFACE_REQUIRE_FACES") == "1":
        reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if "face photos not found" in reason:
            report.outcome = "failed"
    return report


TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server"}


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return bool(TRANSACTIONAL_FIXTURES & set(request.fixturenames))


@pytest.fixture(autouse=True)
def restore_migration_data(request: pytest.FixtureRequest) -> None:
    """Load the Henan regions again when an earlier transactional test's flush removed them."""
    if not _is_transactional(request):
        return
    request.getfixturevalue("transactional_db")

    from django.apps import apps

    from aidface.org.models import Region

    if not Region.objects.exists():
        migration = importlib.import_module("aidface.org.migrations.0002_load_henan_regions")
        migration.load_regions(apps, None)


@functools.cache
def hashed_test_password() -> str:
    """Hash TEST_PASSWORD once per session, because the default PBKDF2 hasher is deliberately slow."""
    from django.contrib.auth.hashers import make_password

    return make_password(TEST_PASSWORD)


@dataclass
class OrgTree:
    """Offices, schools and one user per role, for scope tests.

    Province office runs `province_school`; Zhengzhou city office runs `city_school`;
    Gongyi county (under Zhengzhou) runs `county_school` and `county_school_2`;
    Xin'an county (under Luoyang) runs `other_county_school`.
    """

    province: object
    zhengzhou: object
    luoyang: object
    gongyi: object
    xinan: object
    province_school: object
    city_school: object
    county_school: object
    county_school_2: object
    other_county_school: object
    campus: object
    users: dict
    password: str = TEST_PASSWORD


@pytest.fixture
def org_tree(db) -> OrgTree:
    from aidface.org.models import AidOffice, Campus, CampusStatus, CoordSystem, Level, Region, Role, School, User

    def office(code: str, name: str, level: str, parent=None) -> AidOffice:
        return AidOffice.objects.create(name=name, level=level, region=Region.objects.get(pk=code), parent=parent)

    def school(code: str, name: str, region_code: str, supervising_office: AidOffice) -> School:
        return School.objects.create(code=code, name=name, region_id=region_code, supervising_office=supervising_office)

    province = office("410000", "河南省学生资助管理中心", Level.PROVINCE)
    zhengzhou = office("410100", "郑州市学生资助管理中心", Level.CITY, province)
    luoyang = office("410300", "洛阳市学生资助管理中心", Level.CITY, province)
    gongyi = office("410181", "巩义市学生资助管理中心", Level.COUNTY, zhengzhou)
    xinan = office("410323", "新安县学生资助管理中心", Level.COUNTY, luoyang)

    province_school = school("4141000001", "测试省属职业学校", "410100", province)
    city_school = school("4141000002", "测试郑州市职业学校", "410100", zhengzhou)
    county_school = school("4141000003", "测试巩义市第一职业中专", "410181", gongyi)
    county_school_2 = school("4141000004", "测试巩义市第二职业中专", "410181", gongyi)
    other_county_school = school("4141000005", "测试新安县职业中专", "410323", xinan)

    campus = Campus.objects.create(
        school=county_school,
        name="主校区",
        address="河南省巩义市杜甫路",
        latitude="34.748000",
        longitude="113.022000",
        coord_system=CoordSystem.WGS84,
        status=CampusStatus.SUBMITTED,
    )

    def user(username: str, role: str, **links) -> User:
        return User.objects.create(username=username, password=hashed_test_password(), role=role, display_name=username, **links)

    users = {
        "province": user("province_staff", Role.OFFICE_STAFF, office=province),
        "city": user("city_staff", Role.OFFICE_STAFF, office=zhengzhou),
        "other_city": user("luoyang_staff", Role.OFFICE_STAFF, office=luoyang),
        "county": user("county_staff", Role.OFFICE_STAFF, office=gongyi),
        "other_county": user("xinan_staff", Role.OFFICE_STAFF, office=xinan),
        "operator": user("county_operator", Role.SCHOOL_OPERATOR, school=county_school),
        "principal": user("county_principal", Role.PRINCIPAL, school=county_school),
        "other_principal": user("xinan_principal", Role.PRINCIPAL, school=other_county_school),
        "terminal": user("county_terminal", Role.TERMINAL, school=county_school, campus=campus),
        "student": user("county_student", Role.STUDENT, school=county_school),
    }
    return OrgTree(
        province=province,
        zhengzhou=zhengzhou,
        luoyang=luoyang,
        gongyi=gongyi,
        xinan=xinan,
        province_school=province_school,
        city_school=city_school,
        county_school=county_school,
        county_school_2=county_school_2,
        other_county_school=other_county_school,
        campus=campus,
        users=users,
    )
