"""Campus approval (Art. 22): submit, approve, reject with a comment, edit and approve again."""
from decimal import Decimal

import pytest
from django.urls import reverse

from aidface.audit.models import AuditEntry
from aidface.org import services
from aidface.org.models import Campus, CampusPoint, CampusStatus

NEW_POINT = {"latitude": Decimal("34.790000"), "longitude": Decimal("113.700000"), "coord_system": "gcj02"}


def submit(world, **overrides):
    arguments = {
        "actor": world.users["school_operator"],
        "school": world.schools["jinshui"],
        "name": "北校区",
        "address": "河南省郑州市金水区文化路 80 号",
        "latitude": Decimal("34.785000"),
        "longitude": Decimal("113.665000"),
        "coord_system": "wgs84",
    }
    arguments.update(overrides)
    return services.submit_campus(**arguments)


def edit(world, campus, **overrides):
    arguments = {
        "actor": world.users["school_operator"],
        "campus": campus,
        "name": campus.name,
        "address": campus.address,
        "latitude": campus.latitude,
        "longitude": campus.longitude,
        "coord_system": campus.coord_system,
    }
    arguments.update(overrides)
    return services.edit_campus(**arguments)


def test_submitted_campus_unusable(world):
    campus = submit(world)
    assert campus.status == CampusStatus.SUBMITTED
    assert campus.point_in_force is None
    assert not Campus.objects.usable().filter(pk=campus.pk).exists()


def test_approve_puts_point_in_force(world):
    campus = services.approve_campus(actor=world.users["province"], campus=submit(world))
    assert campus.status == CampusStatus.APPROVED
    assert campus.point_in_force == CampusPoint(Decimal("34.785000"), Decimal("113.665000"), "wgs84")
    assert campus.approved_address == "河南省郑州市金水区文化路 80 号"
    assert Campus.objects.usable().filter(pk=campus.pk).exists()


def test_edit_approved_keeps_old_point(world):
    campus = services.approve_campus(actor=world.users["province"], campus=submit(world))
    campus = edit(world, campus, address="河南省郑州市金水区农业路 1 号", **NEW_POINT)
    campus.refresh_from_db()
    assert campus.status == CampusStatus.SUBMITTED
    assert campus.has_pending_change
    assert campus.point_in_force == CampusPoint(Decimal("34.785000"), Decimal("113.665000"), "wgs84")
    assert campus.approved_address == "河南省郑州市金水区文化路 80 号"
    assert Campus.objects.usable().filter(pk=campus.pk).exists()


def test_reapprove_after_edit(world):
    campus = services.approve_campus(actor=world.users["province"], campus=submit(world))
    campus = edit(world, campus, address="河南省郑州市金水区农业路 1 号", **NEW_POINT)
    campus = services.approve_campus(actor=world.users["province"], campus=campus)
    campus.refresh_from_db()
    assert campus.status == CampusStatus.APPROVED
    assert campus.point_in_force == CampusPoint(**NEW_POINT)
    assert campus.approved_address == "河南省郑州市金水区农业路 1 号"
    assert not campus.has_pending_change


def test_rename_approved_needs_no_review(world):
    campus = services.approve_campus(actor=world.users["province"], campus=submit(world))
    campus = edit(world, campus, name="北校区（文化路）")
    assert campus.status == CampusStatus.APPROVED
    assert campus.name == "北校区（文化路）"


def test_reject_requires_comment(world):
    campus = submit(world)
    with pytest.raises(services.OrgError):
        services.reject_campus(actor=world.users["province"], campus=campus, comment="  ")
    campus.refresh_from_db()
    assert campus.status == CampusStatus.SUBMITTED


def test_reject_stores_comment(world):
    campus = services.reject_campus(actor=world.users["province"], campus=submit(world), comment="地址请写到门牌号。")
    assert campus.status == CampusStatus.REJECTED
    assert campus.review_comment == "地址请写到门牌号。"
    assert campus.point_in_force is None


def test_reject_edit_keeps_old_point(world):
    campus = services.approve_campus(actor=world.users["province"], campus=submit(world))
    campus = edit(world, campus, **NEW_POINT)
    campus = services.reject_campus(actor=world.users["province"], campus=campus, comment="新点位在校外。")
    assert campus.status == CampusStatus.REJECTED
    assert campus.point_in_force == CampusPoint(Decimal("34.785000"), Decimal("113.665000"), "wgs84")


def test_edit_rejected_resubmits(world):
    campus = services.reject_campus(actor=world.users["province"], campus=submit(world), comment="请补充门牌号。")
    campus = edit(world, campus, address="河南省郑州市金水区文化路 80 号院")
    assert campus.status == CampusStatus.SUBMITTED
    assert campus.review_comment == ""


@pytest.mark.parametrize("reviewer", ["zhengzhou", "jinshui", "school_operator", "principal"])
def test_only_province_approves(world, reviewer):
    campus = submit(world)
    with pytest.raises(services.OrgError):
        services.approve_campus(actor=world.users[reviewer], campus=campus)
    campus.refresh_from_db()
    assert campus.status == CampusStatus.SUBMITTED


def test_approve_twice_rejected(world):
    campus = services.approve_campus(actor=world.users["province"], campus=submit(world))
    with pytest.raises(services.OrgError):
        services.approve_campus(actor=world.users["province"], campus=campus)


def test_approve_stale_submission_rejected(world):
    campus = submit(world)
    seen = campus.submitted_at
    edit(world, campus, **NEW_POINT)
    with pytest.raises(services.OrgError):
        services.approve_campus(actor=world.users["province"], campus=campus, seen_submitted_at=seen)
    campus.refresh_from_db()
    assert campus.point_in_force is None


def test_submit_by_other_school_rejected(world):
    with pytest.raises(services.OrgError):
        submit(world, actor=world.users["zhongmou_operator"])


@pytest.mark.parametrize("actor", ["principal", "terminal", "jinshui"])
def test_submit_by_non_operator_rejected(world, actor):
    with pytest.raises(services.OrgError):
        submit(world, actor=world.users[actor])


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [("113.665000", "34.785000"), ("39.904200", "116.407400"), ("0", "0")],
)
def test_point_outside_henan_rejected(world, latitude, longitude):
    with pytest.raises(services.OrgError):
        submit(world, latitude=Decimal(latitude), longitude=Decimal(longitude))


def test_approval_audited(world):
    campus = submit(world)
    services.approve_campus(actor=world.users["province"], campus=campus)
    entry = AuditEntry.objects.filter(action="campus.approve", target_id=str(campus.pk)).get()
    assert entry.user_id == world.users["province"].pk
    assert entry.school_id == world.schools["jinshui"].pk


def test_rejection_audited_with_comment(world):
    campus = submit(world)
    services.reject_campus(actor=world.users["province"], campus=campus, comment="点位偏差较大。")
    entry = AuditEntry.objects.filter(action="campus.reject", target_id=str(campus.pk)).get()
    assert entry.detail["comment"] == "点位偏差较大。"


def test_failed_approval_not_audited(world):
    campus = submit(world)
    before = AuditEntry.objects.filter(action="campus.approve").count()
    with pytest.raises(services.OrgError):
        services.approve_campus(actor=world.users["zhengzhou"], campus=campus)
    assert AuditEntry.objects.filter(action="campus.approve").count() == before


# Pages


def campus_form(**values):
    form = {
        "name": "东校区",
        "address": "河南省郑州市金水区东风路 6 号",
        "latitude": "34.800000",
        "longitude": "113.690000",
        "coord_system": "bd09",
    }
    form.update(values)
    return form


def test_page_operator_submits_campus(world, client, login):
    login(world.users["school_operator"])
    response = client.post(reverse("org:campus_create"), campus_form())
    campus = Campus.objects.get(name="东校区")
    assert response.status_code == 302
    assert campus.school == world.schools["jinshui"]
    assert campus.status == CampusStatus.SUBMITTED
    assert campus.coord_system == "bd09"


def test_page_principal_cannot_submit(world, client, login):
    login(world.users["principal"])
    assert client.post(reverse("org:campus_create"), campus_form()).status_code == 403
    assert not Campus.objects.filter(name="东校区").exists()


def test_page_review_lists_submitted(world, client, login):
    campus = submit(world)
    login(world.users["province"])
    page = client.get(reverse("org:campus_review")).content.decode()
    assert campus.address in page
    assert world.campuses["zhongmou"].name not in page


def test_page_review_shows_point_in_force(world, client, login):
    campus = edit(world, world.campuses["jinshui"], **NEW_POINT)
    login(world.users["province"])
    page = client.get(reverse("org:campus_review")).content.decode()
    assert f"{campus.approved_latitude}, {campus.approved_longitude}（WGS-84（GPS））" in page
    assert "34.790000, 113.700000（GCJ-02（国测局））" in page


def test_page_review_forbidden_below_province(world, client, login):
    login(world.users["zhengzhou"])
    assert client.get(reverse("org:campus_review")).status_code == 403


def test_page_approve_and_reject(world, client, login):
    first = submit(world)
    second = submit(world, name="南校区")
    login(world.users["province"])
    client.post(
        reverse("org:campus_decide", args=[first.pk]),
        {"decision": "approve", "comment": "", "seen_submitted_at": first.submitted_at.isoformat()},
    )
    client.post(
        reverse("org:campus_decide", args=[second.pk]),
        {"decision": "reject", "comment": "南校区地址不完整。", "seen_submitted_at": second.submitted_at.isoformat()},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == CampusStatus.APPROVED
    assert second.status == CampusStatus.REJECTED
    assert second.review_comment == "南校区地址不完整。"


def test_page_reject_without_comment_refused(world, client, login):
    campus = submit(world)
    login(world.users["province"])
    response = client.post(
        reverse("org:campus_decide", args=[campus.pk]),
        {"decision": "reject", "comment": "", "seen_submitted_at": campus.submitted_at.isoformat()},
        follow=True,
    )
    campus.refresh_from_db()
    assert campus.status == CampusStatus.SUBMITTED
    assert "驳回时请填写审核意见" in response.content.decode()


def test_page_city_cannot_decide(world, client, login):
    campus = submit(world)
    login(world.users["zhengzhou"])
    response = client.post(
        reverse("org:campus_decide", args=[campus.pk]),
        {"decision": "approve", "comment": "", "seen_submitted_at": campus.submitted_at.isoformat()},
    )
    campus.refresh_from_db()
    assert response.status_code == 403
    assert campus.status == CampusStatus.SUBMITTED


def test_page_edit_keeps_old_point(world, client, login):
    campus = world.campuses["jinshui"]
    login(world.users["school_operator"])
    response = client.post(reverse("org:campus_edit", args=[campus.pk]), campus_form(name=campus.name), follow=True)
    campus.refresh_from_db()
    assert campus.status == CampusStatus.SUBMITTED
    assert campus.point_in_force.coord_system == "wgs84"
    assert "审核通过前仍使用原已批准的地址和点位" in response.content.decode()


def test_api_campus_shows_both_points(world, client, login):
    campus = edit(world, world.campuses["jinshui"], **NEW_POINT)
    login(world.users["school_operator"])
    data = client.get(f"/api/org/campuses/{campus.pk}").json()
    assert data["status"] == "submitted"
    assert data["usable"] is True
    assert data["point_in_force"]["coord_system"] == "wgs84"
    assert data["submitted_point"]["coord_system"] == "gcj02"


def test_api_filters_usable(world, client, login):
    pending = submit(world)
    login(world.users["school_operator"])
    usable_ids = {row["id"] for row in client.get("/api/org/campuses", {"usable": "true"}).json()}
    unusable_ids = {row["id"] for row in client.get("/api/org/campuses", {"usable": "false"}).json()}
    assert usable_ids == {world.campuses["jinshui"].pk}
    assert unusable_ids == {pending.pk}
