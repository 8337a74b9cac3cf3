"""Appeal pages: jurisdiction, the new-appeal form, the decision forms and the document download."""
import re

import pytest
import time_machine

from appeals_support import at, file_appeal, image_bytes, month_result, pdf_bytes

IN_WINDOW = at(2026, 12, 3, 10)
BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def clock():
    with time_machine.travel(IN_WINDOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def filed(world, clock):
    month_result(world.absent, 2026, 11, "absent")
    month_result(world.failed, 2026, 11, "failed")
    return file_appeal(world, "month:2026-11", [world.absent, world.failed], now=IN_WINDOW)


def page_as(client, user, url, **kwargs):
    client.force_login(user, backend=BACKEND)
    return client.get(url, **kwargs)


def test_outside_jurisdiction_is_404(client, world, filed):
    for key in ("other_county", "other_city", "other_principal"):
        for url in (f"/appeals/{filed.pk}/", f"/appeals/{filed.pk}/document/"):
            response = page_as(client, world.tree.users[key], url)
            assert response.status_code == 404, (key, url)
        assert f"/appeals/{filed.pk}/" not in page_as(client, world.tree.users[key], "/appeals/").content.decode()


def test_decide_outside_jurisdiction_is_404(client, world, filed):
    item = filed.items.first()
    client.force_login(world.tree.users["other_county"], backend=BACKEND)

    response = client.post(f"/appeals/{filed.pk}/decide/", {"item": item.pk, "decision": "approve"})

    assert response.status_code == 404
    item.refresh_from_db()
    assert item.decision == "pending"


def test_student_and_terminal_refused(client, world, filed):
    for key in ("student", "terminal"):
        assert page_as(client, world.tree.users[key], "/appeals/").status_code == 403


def test_office_above_reads_without_forms(client, world, filed):
    response = page_as(client, world.tree.users["city"], f"/appeals/{filed.pk}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "王小明" in body
    assert 'name="decision"' not in body


def test_supervising_office_decides_on_page(client, world, filed):
    from aidface.checks.models import MonthResult

    item = filed.items.get(student=world.absent)
    body = page_as(client, world.office, f"/appeals/{filed.pk}/").content.decode()
    assert 'name="decision"' in body

    response = client.post(f"/appeals/{filed.pk}/decide/", {"item": item.pk, "decision": "approve"}, follow=True)

    assert "已通过王小明的申诉" in response.content.decode()
    assert MonthResult.objects.get(student=world.absent, year=2026, month=11).state == "appeal_normal"
    assert "改为正常" in response.content.decode()


def test_reject_without_comment_on_page(client, world, filed):
    item = filed.items.get(student=world.failed)
    client.force_login(world.office, backend=BACKEND)

    response = client.post(f"/appeals/{filed.pk}/decide/", {"item": item.pk, "decision": "reject"}, follow=True)

    assert "请填写审核意见" in response.content.decode()
    item.refresh_from_db()
    assert item.decision == "pending"


def test_document_download_audited(client, world, filed):
    from aidface.audit.models import AuditEntry

    response = page_as(client, world.office, f"/appeals/{filed.pk}/document/")

    assert response.status_code == 200
    assert response.content == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store, private"
    entry = AuditEntry.objects.filter(action="appeal.document_view").get()
    assert entry.user == world.office
    assert entry.target_id == str(filed.pk)


def test_office_does_not_see_draft(client, world, clock):
    from appeals_support import draft

    month_result(world.absent, 2026, 11, "absent")
    appeal = draft(world, "month:2026-11", [world.absent], now=IN_WINDOW)

    assert page_as(client, world.office, f"/appeals/{appeal.pk}/").status_code == 404
    assert page_as(client, world.principal, f"/appeals/{appeal.pk}/").status_code == 200


def test_new_form_lists_open_month_only(client, world, clock):
    month_result(world.absent, 2026, 11, "absent")
    month_result(world.normal, 2026, 11, "normal")

    body = page_as(client, world.operator, "/appeals/new/").content.decode()

    assert re.findall(r'<option value="([^"]+)"', body) == ["month:2026-11"]
    assert "王小明" in body
    assert "赵大海" not in body
    assert world.absent.id_number not in body
    assert world.absent.masked_id_number in body


def test_new_form_closed_outside_window(client, world):
    month_result(world.absent, 2026, 11, "absent")

    with time_machine.travel(at(2026, 12, 12, 10), tick=True):
        body = page_as(client, world.operator, "/appeals/new/?target=month:2026-11").content.decode()
        response = client.post(
            "/appeals/new/",
            {"target": "month:2026-11", "student": [world.absent.pk], f"reason_{world.absent.pk}": "住院"},
        )

    assert "现在不在任何申诉期内" in body
    assert 'id="appeal-form"' not in body
    assert response.status_code == 200
    from aidface.appeals.models import Appeal

    assert not Appeal.objects.exists()


def test_file_through_form(client, world, clock):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from aidface.appeals.models import Appeal, AppealState

    month_result(world.absent, 2026, 11, "absent")
    client.force_login(world.operator, backend=BACKEND)

    response = client.post(
        "/appeals/new/",
        {
            "target": "month:2026-11",
            "student": [world.absent.pk],
            f"reason_{world.absent.pk}": "11月请病假住院两周",
            "document": SimpleUploadedFile("scan.pdf", image_bytes("JPEG"), content_type="application/pdf"),
        },
        follow=True,
    )

    appeal = Appeal.objects.get()
    assert appeal.state == AppealState.AWAITING_SIGNATURE
    assert appeal.document_type == "image/jpeg"
    assert appeal.items.get().reason == "11月请病假住院两周"
    assert "请校长登录系统签署" in response.content.decode()

    client.force_login(world.principal, backend=BACKEND)
    response = client.post(f"/appeals/{appeal.pk}/sign/", follow=True)

    appeal.refresh_from_db()
    assert appeal.state == AppealState.FILED
    assert "已签署" in response.content.decode()


def test_forced_pass_section_for_office(client, world, filed):
    body = page_as(client, world.office, "/appeals/").content.decode()

    assert 'id="forced-pass-reviews"' in body
    assert "待本部门审核" in body
    assert 'id="forced-pass-reviews"' not in page_as(client, world.operator, "/appeals/").content.decode()


def make_forced_pass_review(world, *, due_at):
    from datetime import timedelta

    from aidface.checks.models import CheckIn, CheckInOutcome, ForcedPassReview, ParticipantStatus

    from checks_support import make_check

    check = make_check(
        office=world.tree.gongyi,
        schools=[world.tree.county_school],
        students=[world.absent],
        launched_by=world.office,
        starts_at=at(2026, 11, 17, 9),
    )
    participant = check.participants.get()
    participant.status = ParticipantStatus.FORCED_PASS
    participant.save(update_fields=["status"])
    check_in = CheckIn.objects.create(
        participant=participant,
        check_record=check,
        student=world.absent,
        school=world.absent.school,
        channel="terminal",
        number=2,
        outcome=CheckInOutcome.FORCED_PASS,
        created_at=at(2026, 11, 17, 11),
    )
    return ForcedPassReview.objects.create(
        check_in=check_in,
        participant=participant,
        office=world.tree.gongyi,
        due_at=due_at,
        created_at=check_in.created_at + timedelta(seconds=1),
    )


def test_forced_pass_pending_listed(client, world, clock):
    review = make_forced_pass_review(world, due_at=at(2026, 12, 11))

    body = page_as(client, world.office, "/appeals/").content.decode()
    section = body[body.index('id="forced-pass-reviews"'):]

    assert "王小明" in section
    assert "共 1 件待复核" in section
    assert f'href="/checks/forced-passes/{review.pk}/"' in section


def test_forced_pass_due_or_other_office_not_listed(client, world, clock):
    make_forced_pass_review(world, due_at=at(2026, 12, 1))

    county = page_as(client, world.office, "/appeals/").content.decode()
    city = page_as(client, world.tree.users["city"], "/appeals/").content.decode()

    assert "没有待复核的强制通过" in county
    assert "没有待复核的强制通过" in city


def test_bulk_decision_on_page(client, world, filed):
    from aidface.checks.models import MonthResult

    items = list(filed.items.values_list("pk", flat=True))
    client.force_login(world.office, backend=BACKEND)

    response = client.post(f"/appeals/{filed.pk}/decide/", {"item": items, "decision": "approve"}, follow=True)

    body = response.content.decode()
    assert "已通过" in body
    assert "王小明" in body
    states = set(MonthResult.objects.filter(year=2026, month=11).values_list("state", flat=True))
    assert states == {"appeal_normal"}
    assert 'id="bulk-decision"' not in body


def test_new_form_semester_candidates(client, world):
    for month in (10, 11, 12):
        month_result(world.absent, 2026, month, "absent")
        month_result(world.normal, 2026, month, "normal" if month == 11 else "absent")

    with time_machine.travel(at(2026, 12, 25, 10), tick=True):
        body = page_as(client, world.operator, "/appeals/new/").content.decode()

    assert re.findall(r'<option value="([^"]+)"', body) == ["semester:2026-autumn"]
    assert "王小明" in body
    assert "赵大海" not in body
    assert "10月：未参加；11月：未参加；12月：未参加" in body
