"""Roster pages: upload → preview → confirm, the student list and the export, per role."""
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from roster_helpers import gender_text, id_with_check

from aidface.audit.models import AuditEntry
from aidface.roster.columns import COLUMNS
from aidface.roster.models import ImportStatus, RosterImport, Student

HEADER = [column.header for column in COLUMNS]
FIRST_ID = id_with_check("X", birth="20080101")
SECOND_ID = id_with_check("3", birth="20080202")


@pytest.fixture
def roster_file(make_xlsx):
    rows = [
        HEADER,
        ["王小明", FIRST_ID, gender_text(FIRST_ID), "G001", "4141000003", "2025级", "数控1班", "数控", "受助"],
        ["李小红", SECOND_ID, gender_text(SECOND_ID), "G002", "4141000003", "2025级", "数控1班", "数控", "拟受助"],
        ["赵旧号", "410181080101123", "", "G003", "4141000003", "2025级", "数控1班", "数控", "受助"],
    ]
    return make_xlsx(rows, text_columns=["B"])


def client_for(client, user):
    client.force_login(user)
    return client


def upload(client, path):
    with path.open("rb") as handle:
        return client.post(reverse("roster:import"), {"file": handle})


@pytest.fixture
def pending(org_tree, client, roster_file):
    response = upload(client_for(client, org_tree.users["operator"]), roster_file)
    return RosterImport.objects.get(), response


def test_upload_redirects_to_preview(pending):
    roster_import, response = pending
    assert response.status_code == 302
    assert response.url == reverse("roster:import_preview", args=[roster_import.pk])


def test_upload_writes_no_student(pending):
    assert Student.objects.count() == 0


def test_upload_audited(pending):
    assert AuditEntry.objects.filter(action="roster.upload").count() == 1


def test_preview_shows_counts(client, pending):
    roster_import, _ = pending
    page = client.get(reverse("roster:import_preview", args=[roster_import.pk])).content.decode()
    assert "<td>2</td><td>0</td>" in page
    assert "15 位的旧身份证号" in page


def test_preview_masks_id_numbers(client, pending):
    roster_import, _ = pending
    page = client.get(reverse("roster:import_preview", args=[roster_import.pk])).content.decode()
    assert FIRST_ID[:6] + "********" + FIRST_ID[-4:] in page
    assert FIRST_ID not in page


def test_preview_audited(client, pending):
    roster_import, _ = pending
    client.get(reverse("roster:import_preview", args=[roster_import.pk]))
    assert AuditEntry.objects.filter(action="roster.preview").count() == 1


def test_confirm_imports(client, pending):
    roster_import, _ = pending
    response = client.post(reverse("roster:import_confirm", args=[roster_import.pk]))
    assert response.status_code == 302
    assert set(Student.objects.values_list("id_number", flat=True)) == {FIRST_ID, SECOND_ID}


def test_confirm_clears_file(client, pending):
    roster_import, _ = pending
    client.post(reverse("roster:import_confirm", args=[roster_import.pk]))
    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.CONFIRMED
    assert roster_import.content is None
    assert roster_import.counts == {"added": 2, "updated": 0, "unchanged": 0, "rejected": 1}


def test_confirm_audited(client, pending):
    roster_import, _ = pending
    client.post(reverse("roster:import_confirm", args=[roster_import.pk]))
    entry = AuditEntry.objects.get(action="roster.import")
    assert entry.detail["counts"]["added"] == 2


def test_second_confirm_refused(client, pending):
    roster_import, _ = pending
    client.post(reverse("roster:import_confirm", args=[roster_import.pk]))
    response = client.post(reverse("roster:import_confirm", args=[roster_import.pk]), follow=True)
    assert "已确认或已放弃" in response.content.decode()
    assert AuditEntry.objects.filter(action="roster.import").count() == 1


def test_discard_writes_nothing(client, pending):
    roster_import, _ = pending
    client.post(reverse("roster:import_discard", args=[roster_import.pk]))
    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.DISCARDED
    assert Student.objects.count() == 0


def test_same_file_twice_changes_nothing(org_tree, client, roster_file):
    client_for(client, org_tree.users["operator"])
    for _ in range(2):
        upload(client, roster_file)
        roster_import = RosterImport.objects.filter(status=ImportStatus.PENDING).get()
        client.post(reverse("roster:import_confirm", args=[roster_import.pk]))
    latest = RosterImport.objects.order_by("-pk").first()
    assert latest.counts == {"added": 0, "updated": 0, "unchanged": 2, "rejected": 1}


def test_bad_file_message(org_tree, client, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("甲,乙\n1,2\n", encoding="utf-8")
    response = upload(client_for(client, org_tree.users["operator"]), path)
    assert "没有找到表头" in response.content.decode()
    assert not RosterImport.objects.exists()


@pytest.mark.parametrize("role", ["principal", "county", "province", "terminal", "student"])
def test_upload_refused_for_role(org_tree, client, roster_file, role):
    response = upload(client_for(client, org_tree.users[role]), roster_file)
    assert response.status_code == 403


def test_preview_outside_scope_404(org_tree, client, pending):
    roster_import, _ = pending
    client_for(client, org_tree.users["other_principal"])
    assert client.get(reverse("roster:import_preview", args=[roster_import.pk])).status_code == 404


def test_confirm_outside_scope_404(org_tree, client, pending):
    roster_import, _ = pending
    client_for(client, org_tree.users["other_county"])
    assert client.post(reverse("roster:import_confirm", args=[roster_import.pk])).status_code == 404
    assert Student.objects.count() == 0


def test_office_may_not_confirm(org_tree, client, pending):
    roster_import, _ = pending
    client_for(client, org_tree.users["county"])
    assert client.post(reverse("roster:import_confirm", args=[roster_import.pk])).status_code == 403


@pytest.fixture
def confirmed(client, pending):
    roster_import, _ = pending
    client.post(reverse("roster:import_confirm", args=[roster_import.pk]))
    client.logout()
    return roster_import


@pytest.mark.parametrize("role", ["operator", "principal", "county", "city", "province"])
def test_list_shows_masked(org_tree, client, confirmed, role):
    page = client_for(client, org_tree.users[role]).get(reverse("roster:students")).content.decode()
    assert "王小明" in page
    assert FIRST_ID[:6] + "********" + FIRST_ID[-4:] in page
    assert FIRST_ID not in page


@pytest.mark.parametrize("role", ["other_county", "other_city", "other_principal"])
def test_list_hides_other_jurisdiction(org_tree, client, confirmed, role):
    page = client_for(client, org_tree.users[role]).get(reverse("roster:students")).content.decode()
    assert "王小明" not in page


@pytest.mark.parametrize("role", ["student", "terminal"])
def test_list_refused(org_tree, client, confirmed, role):
    assert client_for(client, org_tree.users[role]).get(reverse("roster:students")).status_code == 403


def test_list_audited(org_tree, client, confirmed):
    client_for(client, org_tree.users["county"]).get(reverse("roster:students"))
    entry = AuditEntry.objects.filter(action="roster.view").get()
    assert entry.user == org_tree.users["county"]
    assert entry.detail["shown"] == 2


def test_list_search_by_last_digits(org_tree, client, confirmed):
    client_for(client, org_tree.users["operator"])
    page = client.get(reverse("roster:students"), {"q": SECOND_ID[-4:]}).content.decode()
    assert "李小红" in page
    assert "王小明" not in page


def test_export_download(org_tree, client, confirmed):
    client_for(client, org_tree.users["principal"])
    response = client.get(reverse("roster:export"), {"school": org_tree.county_school.pk})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet.max_row == 3
    assert "4141000003" in response["Content-Disposition"]


def test_export_download_audited(org_tree, client, confirmed):
    client_for(client, org_tree.users["principal"]).get(reverse("roster:export"), {"school": org_tree.county_school.pk})
    assert AuditEntry.objects.filter(action="roster.export", user=org_tree.users["principal"]).count() == 1


def test_export_outside_scope_404(org_tree, client, confirmed):
    client_for(client, org_tree.users["other_city"])
    response = client.get(reverse("roster:export"), {"school": org_tree.county_school.pk})
    assert response.status_code == 404


def test_navigation_link(org_tree, client):
    page = client_for(client, org_tree.users["operator"]).get(reverse("roster:students")).content.decode()
    assert f'href="{reverse("roster:students")}"' in page


def test_confirm_replans_against_roster(org_tree, client, pending):
    # Another school's roster gained one of the students after the preview was shown.
    roster_import, _ = pending
    Student.objects.create(
        school=org_tree.county_school_2, name="王小明", id_number=FIRST_ID, gender="male", aid_status="aided"
    )
    client.post(reverse("roster:import_confirm", args=[roster_import.pk]))
    roster_import.refresh_from_db()
    assert roster_import.counts == {"added": 1, "updated": 0, "unchanged": 0, "rejected": 2}
    assert Student.objects.get(id_number=FIRST_ID).school == org_tree.county_school_2


def test_list_filters_by_school(org_tree, client, confirmed):
    client_for(client, org_tree.users["county"])
    other = client.get(reverse("roster:students"), {"school": org_tree.county_school_2.pk}).content.decode()
    own = client.get(reverse("roster:students"), {"school": org_tree.county_school.pk}).content.decode()
    assert "王小明" not in other
    assert "王小明" in own


def preview_page(client, roster_import) -> str:
    return client.get(reverse("roster:import_preview", args=[roster_import.pk])).content.decode()


def test_preview_offers_confirm(client, pending):
    roster_import, _ = pending
    page = preview_page(client, roster_import)
    assert "确认导入（新增 2 人，更新 0 人）" in page
    assert "nothing-to-import" not in page


def test_all_rejected_no_confirm(org_tree, client, make_xlsx):
    rows = [HEADER, ["赵旧号", "410181080101123", "", "G003", "4141000003", "2025级", "数控1班", "数控", "受助"]]
    upload(client_for(client, org_tree.users["operator"]), make_xlsx(rows, text_columns=["B"]))
    page = preview_page(client, RosterImport.objects.get())
    assert "确认导入" not in page
    assert "没有可导入的学生：文件中的 1 行全部被拒绝。请按下面的原因在原表中改正后重新上传。" in page
    assert "放弃" in page


def test_all_unchanged_no_confirm(org_tree, client, roster_file):
    client_for(client, org_tree.users["operator"])
    upload(client, roster_file)
    client.post(reverse("roster:import_confirm", args=[RosterImport.objects.get().pk]))
    upload(client, roster_file)
    page = preview_page(client, RosterImport.objects.get(status=ImportStatus.PENDING))
    assert "确认导入" not in page
    assert "没有需要导入的内容：2 名学生与名册中的信息相同，其余 1 行被拒绝。" in page


def test_identical_roster_no_confirm(org_tree, client, make_xlsx):
    rows = [HEADER, ["王小明", FIRST_ID, gender_text(FIRST_ID), "G001", "4141000003", "2025级", "数控1班", "数控", "受助"]]
    path = make_xlsx(rows, text_columns=["B"])
    client_for(client, org_tree.users["operator"])
    upload(client, path)
    client.post(reverse("roster:import_confirm", args=[RosterImport.objects.get().pk]))
    upload(client, path)
    page = preview_page(client, RosterImport.objects.get(status=ImportStatus.PENDING))
    assert "确认导入" not in page
    assert "没有需要导入的内容：文件中的 1 名学生与名册中的信息完全相同。" in page
