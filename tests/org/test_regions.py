"""Sanity of the GB/T 2260 region list of Henan, in the file and as loaded by the migration."""
from collections import Counter

import pytest

from aidface.org.models import Level, Region
from aidface.org.regions import JIYUAN_CODE, PROVINCE_CODE, read_region_rows

# Counties, districts and county-level cities under each prefecture-level city.
COUNTIES_PER_CITY = {
    "郑州市": 12,
    "开封市": 9,
    "洛阳市": 14,
    "平顶山市": 10,
    "安阳市": 9,
    "鹤壁市": 5,
    "新乡市": 12,
    "焦作市": 10,
    "濮阳市": 6,
    "许昌市": 6,
    "漯河市": 5,
    "三门峡市": 6,
    "南阳市": 13,
    "商丘市": 9,
    "信阳市": 10,
    "周口市": 10,
    "驻马店市": 10,
    "济源示范区": 0,
}

ROWS = read_region_rows()


def test_file_codes_unique():
    duplicates = [code for code, count in Counter(row.code for row in ROWS).items() if count > 1]
    assert duplicates == []


def test_file_codes_six_digits():
    assert [row.code for row in ROWS if not (len(row.code) == 6 and row.code.isdigit())] == []


def test_file_parents_exist():
    codes = {row.code for row in ROWS}
    assert [row.code for row in ROWS if row.parent_code and row.parent_code not in codes] == []


def test_file_county_code_prefix():
    counties = [row for row in ROWS if row.level == "county"]
    assert [row.code for row in counties if row.code[:4] != row.parent_code[:4]] == []


def test_file_totals():
    kinds = Counter(row.name[-1] for row in ROWS if row.level == "county")
    assert kinds["区"] == 54
    assert kinds["市"] == 20
    assert kinds["县"] == 82


@pytest.mark.django_db
def test_loaded_province():
    province = Region.objects.get(pk=PROVINCE_CODE)
    assert province.name == "河南省"
    assert province.parent is None


@pytest.mark.django_db
def test_loaded_cities():
    cities = set(Region.objects.filter(level=Level.CITY).values_list("name", flat=True))
    assert cities == set(COUNTIES_PER_CITY)


@pytest.mark.django_db
def test_loaded_jiyuan():
    jiyuan = Region.objects.get(pk=JIYUAN_CODE)
    assert jiyuan.name == "济源示范区"
    assert jiyuan.parent_id == PROVINCE_CODE


@pytest.mark.django_db
@pytest.mark.parametrize(("city", "expected"), COUNTIES_PER_CITY.items())
def test_loaded_counties_per_city(city, expected):
    assert Region.objects.filter(parent__name=city, level=Level.COUNTY).count() == expected


@pytest.mark.django_db
def test_loaded_matches_file():
    assert Region.objects.count() == len(ROWS)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "name"),
    [("410212", "祥符区"), ("410307", "偃师区"), ("410308", "孟津区"), ("410783", "长垣市"), ("411603", "淮阳区")],
)
def test_loaded_recent_changes(code, name):
    assert Region.objects.get(pk=code).name == name


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["410211", "410224", "410306", "410322", "410381", "410728", "411023", "411626", "411222"])
def test_loaded_abolished_codes_absent(code):
    assert not Region.objects.filter(pk=code).exists()
