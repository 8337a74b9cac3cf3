"""Registering schools and setting up offices through the pages, within the jurisdiction."""
import pytest
from django.urls import reverse

from aidface.audit.models import AuditEntry
from aidface.org.models import AidOffice, School


def school_form(world, **values):
    form = {
        "code": "4141000199",
        "name": "新登记的中牟县职业学校",
        "supervising_office": world.offices["zhongmou"].pk,
        "region": "410122",
        "principal_name": "周校长",
    }
    form.update(values)
    return form


def test_city_registers_school_for_county(world, client, login):
    login(world.users["zhengzhou"])
    response = client.post(reverse("org:school_create"), school_form(world))
    school = School.objects.get(code="4141000199")
    assert response.status_code == 302
    assert school.supervising_office == world.offices["zhongmou"]
    assert AuditEntry.objects.filter(action="school.create", target_id=str(school.pk), outcome="success").exists()


def test_school_outside_office_region_rejected(world, client, login):
    login(world.users["zhengzhou"])
    response = client.post(reverse("org:school_create"), school_form(world, region="410105"))
    assert response.status_code == 200
    assert "不在中牟县学生资助管理中心的辖区内" in response.content.decode()
    assert not School.objects.filter(code="4141000199").exists()


def test_school_rejection_audited_as_denied(world, client, login):
    login(world.users["zhengzhou"])
    client.post(reverse("org:school_create"), school_form(world, region="410105"))
    assert AuditEntry.objects.filter(action="school.create", outcome="denied").count() == 1


def test_duplicate_school_code_rejected(world, client, login):
    login(world.users["province"])
    response = client.post(reverse("org:school_create"), school_form(world, code=world.schools["yanshi"].code))
    assert response.status_code == 200
    assert School.objects.filter(code=world.schools["yanshi"].code).count() == 1


def test_school_code_must_be_ten_digits(world, client, login):
    login(world.users["province"])
    response = client.post(reverse("org:school_create"), school_form(world, code="41410001"))
    assert "学校标识码应为 10 位数字" in response.content.decode()


@pytest.mark.parametrize("role", ["school_operator", "principal", "terminal", "student"])
def test_school_roles_cannot_register(world, client, login, role):
    login(world.users[role])
    assert client.post(reverse("org:school_create"), school_form(world)).status_code == 403
    assert not School.objects.filter(code="4141000199").exists()


def test_office_edits_school_principal(world, client, login):
    school = world.schools["zhengzhou"]
    login(world.users["zhengzhou"])
    form = {
        "name": school.name,
        "region": "410103",
        "supervising_office": world.offices["zhengzhou"].pk,
        "principal_name": "新校长",
    }
    client.post(reverse("org:school_edit", args=[school.pk]), form)
    school.refresh_from_db()
    assert school.principal_name == "新校长"


def test_county_cannot_move_school_up(world, client, login):
    school = world.schools["jinshui"]
    login(world.users["jinshui"])
    form = {
        "name": school.name,
        "region": school.region_id,
        "supervising_office": world.offices["zhengzhou"].pk,
        "principal_name": "",
    }
    response = client.post(reverse("org:school_edit", args=[school.pk]), form)
    school.refresh_from_db()
    assert response.status_code == 200
    assert school.supervising_office == world.offices["jinshui"]


def test_school_search(world, client, login):
    login(world.users["province"])
    page = client.get(reverse("org:school_list"), {"q": "偃师"}).content.decode()
    assert world.schools["yanshi"].name in page
    assert world.schools["zhongmou"].name not in page


def test_city_sets_up_county_office(world, client, login):
    login(world.users["zhengzhou"])
    response = client.post(reverse("org:office_create"), {"region": "410181", "name": "巩义市学生资助管理中心"})
    office = AidOffice.objects.get(region="410181")
    assert response.status_code == 302
    assert office.parent == world.offices["zhengzhou"]
    assert office.level == "county"


def test_city_cannot_set_up_office_elsewhere(world, client, login):
    login(world.users["zhengzhou"])
    response = client.post(reverse("org:office_create"), {"region": "410323", "name": "新安县学生资助管理中心"})
    assert response.status_code == 200
    assert not AidOffice.objects.filter(region="410323").exists()


def test_office_form_offers_only_regions_below(world, client, login):
    login(world.users["luoyang"])
    page = client.get(reverse("org:office_create")).content.decode()
    assert "新安县" in page
    assert "巩义市" not in page
    assert "偃师区" not in page


@pytest.mark.parametrize("role", ["jinshui", "zhongmou", "yanshi"])
def test_county_office_create_forbidden(world, client, login, role):
    login(world.users[role])
    response = client.get(reverse("org:office_create"))
    assert response.status_code == 403
    assert "县级资助部门没有下级行政区划，不能设立下级资助部门。" in response.content.decode()


def test_county_office_create_post_stores_nothing(world, client, login):
    login(world.users["zhongmou"])
    response = client.post(reverse("org:office_create"), {"region": "410122", "name": "中牟县第二资助中心"})
    assert response.status_code == 403
    assert AidOffice.objects.filter(region="410122").count() == 1


@pytest.mark.parametrize(("role", "shown"), [("province", True), ("zhengzhou", True), ("zhongmou", False)])
def test_office_create_link_per_level(world, client, login, role, shown):
    login(world.users[role])
    page = client.get(reverse("org:office_list")).content.decode()
    assert (f'href="{reverse("org:office_create")}"' in page) == shown
