"""A school cannot have two campuses of the same name, through the services, the pages or the database."""
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from aidface.org import services
from aidface.org.models import Campus

DUPLICATE_MESSAGE = "本校已有名为“试验校区”的校区，请换一个名称或修改原校区。"


def submit(world, name="试验校区", school_key="jinshui", actor_key="school_operator"):
    return services.submit_campus(
        actor=world.users[actor_key],
        school=world.schools[school_key],
        name=name,
        address="河南省郑州市中牟县青年路 88 号",
        latitude=Decimal("34.720000"),
        longitude=Decimal("113.980000"),
        coord_system="wgs84",
    )


def test_submit_duplicate_name_rejected(world):
    submit(world)
    with pytest.raises(services.OrgError) as raised:
        submit(world)
    assert raised.value.message == DUPLICATE_MESSAGE
    assert Campus.objects.filter(school=world.schools["jinshui"], name="试验校区").count() == 1


def test_submit_duplicate_name_trimmed(world):
    submit(world)
    with pytest.raises(services.OrgError) as raised:
        submit(world, name="  试验校区 ")
    assert raised.value.message == DUPLICATE_MESSAGE
    assert Campus.objects.filter(school=world.schools["jinshui"]).count() == 2


def test_submit_duplicate_of_approved_rejected(world):
    approved = world.campuses["jinshui"]
    with pytest.raises(services.OrgError) as raised:
        submit(world, name=approved.name)
    assert raised.value.message == f"本校已有名为“{approved.name}”的校区，请换一个名称或修改原校区。"
    assert Campus.objects.filter(name=approved.name).count() == 1


def test_submit_same_name_other_school(world):
    submit(world)
    other = submit(world, school_key="zhongmou", actor_key="zhongmou_operator")
    assert other.name == "试验校区"
    assert Campus.objects.filter(name="试验校区").count() == 2


def edit(world, campus, name):
    return services.edit_campus(
        actor=world.users["school_operator"],
        campus=campus,
        name=name,
        address=campus.address,
        latitude=campus.latitude,
        longitude=campus.longitude,
        coord_system=campus.coord_system,
    )


def test_edit_to_duplicate_name_rejected(world):
    campus = submit(world, name="北校区")
    existing_name = world.campuses["jinshui"].name
    with pytest.raises(services.OrgError) as raised:
        edit(world, campus, name=f" {existing_name} ")
    campus.refresh_from_db()
    assert raised.value.message == f"本校已有名为“{existing_name}”的校区，请换一个名称或修改原校区。"
    assert campus.name == "北校区"


def test_edit_keeping_own_name_allowed(world):
    campus = submit(world)
    campus = edit(world, campus, name="试验校区 ")
    assert campus.name == "试验校区"


def test_database_rejects_duplicate_name(world):
    approved = world.campuses["jinshui"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Campus.objects.create(
            school=approved.school,
            name=approved.name,
            address="地址",
            latitude=approved.latitude,
            longitude=approved.longitude,
            coord_system=approved.coord_system,
        )


def test_page_duplicate_shows_message(world, client, login):
    submit(world)
    login(world.users["school_operator"])
    form = {
        "name": "试验校区",
        "address": "河南省郑州市中牟县青年路 88 号",
        "latitude": "34.720000",
        "longitude": "113.980000",
        "coord_system": "wgs84",
    }
    response = client.post(reverse("org:campus_create"), form)
    assert response.status_code == 200
    assert DUPLICATE_MESSAGE in response.content.decode()
    assert Campus.objects.filter(name="试验校区").count() == 1


def test_page_duplicate_recorded_as_denied(world, client, login):
    from aidface.audit.models import AuditEntry

    submit(world)
    login(world.users["school_operator"])
    form = {
        "name": "试验校区",
        "address": "河南省郑州市中牟县青年路 88 号",
        "latitude": "34.720000",
        "longitude": "113.980000",
        "coord_system": "wgs84",
    }
    client.post(reverse("org:campus_create"), form)
    entry = AuditEntry.objects.filter(action="campus.submit").order_by("pk").last()
    assert entry.outcome == "denied"
