"""The enrolment pages call provisional registration 暂时录入, as the README does."""
from pathlib import Path

import pytest
from django.urls import reverse

import aidface.enrolment
from aidface.enrolment.models import EnrolmentState, TemplateKind

ENROLMENT_APP = Path(aidface.enrolment.__file__).parent
# 临时身份证 is the name of the temporary ID card, a different thing that keeps its name.
ALLOWED_USES = ("临时身份证",)


def shown_files() -> list[Path]:
    return [
        path
        for path in sorted(ENROLMENT_APP.rglob("*"))
        if path.suffix in {".py", ".html", ".js"} and "migrations" not in path.parts
    ]


@pytest.mark.parametrize("path", shown_files(), ids=lambda path: str(path.relative_to(ENROLMENT_APP)))
def test_no_other_term(path):
    text = path.read_text(encoding="utf-8")
    for allowed in ALLOWED_USES:
        text = text.replace(allowed, "")
    assert "临时" not in text


def test_state_label():
    assert EnrolmentState.PROVISIONAL.label == "暂时录入"


def test_template_kind_label():
    assert TemplateKind.PROVISIONAL.label == "暂时录入模板"


@pytest.mark.django_db
def test_provisional_page_title(client, org_tree):
    client.force_login(org_tree.users["operator"])
    page = client.get(reverse("enrolment:provisional")).content.decode()
    assert "<title>暂时录入的学生" in page
    assert "<h1>暂时录入的学生</h1>" in page


@pytest.mark.django_db
def test_status_page_link(client, org_tree):
    client.force_login(org_tree.users["operator"])
    page = client.get(reverse("enrolment:status")).content.decode()
    assert ">暂时录入的学生</a>" in page
