"""A county office user logs in through the real login page and sees exactly its own schools."""
import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser


def listed_school_codes(page) -> set[str]:
    return set(page.locator("#school-list tbody tr td:first-child").all_inner_texts())


def test_county_user_sees_own_schools(live_server, org_tree, new_page, log_in):
    page = new_page(camera=False)
    log_in(page, "county_staff", org_tree.password)
    assert page.url == f"{live_server.url}/"
    assert "县级资助部门" in page.locator("header").inner_text()

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="学校", exact=True).click()
    page.wait_for_load_state()
    assert page.url == live_server.url + reverse("org:school_list")
    assert listed_school_codes(page) == {org_tree.county_school.code, org_tree.county_school_2.code}


def test_county_user_cannot_open_other_school(live_server, org_tree, new_page, log_in):
    page = new_page(camera=False)
    log_in(page, "county_staff", org_tree.password)
    response = page.goto(live_server.url + reverse("org:school_detail", args=[org_tree.other_county_school.pk]))
    assert response.status == 404


def test_wrong_password_stays_on_login(live_server, org_tree, new_page, log_in):
    page = new_page(camera=False)
    log_in(page, "county_staff", "wrong-password")
    assert "用户名或密码不正确" in page.content()


def test_demo_county_user_sees_own_schools(live_server, new_page, log_in):
    from django.core.management import call_command

    from aidface.org import demo_data

    call_command("seed_demo", verbosity=0)
    account = next(user for user in demo_data.USERS if user.username == "zhongmou_staff")
    expected = {school.code for school in demo_data.SCHOOLS if school.office_region_code == account.office_region_code}
    assert expected, "the demo county office runs no school"

    page = new_page(camera=False)
    log_in(page, account.username, demo_data.DEMO_PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="学校", exact=True).click()
    page.wait_for_load_state()
    assert listed_school_codes(page) == expected
