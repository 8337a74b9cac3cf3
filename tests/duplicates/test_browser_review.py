"""The office reviews a duplicate case in Debian's Chromium: both photos load, then it clears the case."""
import os
import shutil

import pytest
from django.urls import reverse

import duplicate_faces

# Playwright's sync API runs an event loop in the test thread; Django allows its database
# calls there only with this set.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("AIDFACE_CHROMIUM", "/usr/bin/chromium")
FRAUDSTER = "cnceleb_103"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The test database on SQLite is in memory with a shared cache, where two requests writing
# at once (each photo view writes an audit entry) fail with "database table is locked"
# instead of waiting. So an image that failed is requested again, one at a time.
RELOAD_FAILED_IMAGES_ONE_BY_ONE = """async images => {
  for (const image of images) {
    if (!image.naturalWidth) {
      await new Promise(done => { image.onload = image.onerror = done; image.src = image.src + "?again=1"; });
    }
  }
  return images.map(image => image.naturalWidth);
}"""


@pytest.fixture
def office_browser(live_server, client, org_tree):
    """A Chromium page logged in as the county office's staff member."""
    if not shutil.which(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM}; set AIDFACE_CHROMIUM")
    from playwright.sync_api import sync_playwright

    client.force_login(org_tree.users["county"], backend="django.contrib.auth.backends.ModelBackend")
    session = client.cookies["sessionid"].value
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
        )
        context = browser.new_context(locale="zh-CN")
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        yield context.new_page()
        browser.close()
        # Close the connections opened while Playwright's loop ran, so PostgreSQL can drop
        # the test database at the end of the session.
        from django.db import connections

        connections.close_all()


def test_office_clears_case_in_browser(live_server, office_browser, org_tree, enroller, faces):
    from aidface.duplicates.models import DuplicateCase

    live = duplicate_faces.camera_frame(faces.photo(FRAUDSTER, 4), seed=3)
    enroller.enrol(
        enroller.student(org_tree.county_school, "张伟"),
        duplicate_faces.gallery(chip=faces.photo(FRAUDSTER, 2), frames=[faces.photo(FRAUDSTER, 4)], seed=1),
        chip=duplicate_faces.chip_photo(faces.photo(FRAUDSTER, 2)),
        live=live,
    )
    waiting = enroller.enrol(
        enroller.student(org_tree.county_school, "张卫"),
        duplicate_faces.gallery(chip=faces.photo("cnceleb_106", 1), frames=[faces.photo(FRAUDSTER, 4)], seed=21),
        chip=duplicate_faces.chip_photo(faces.photo("cnceleb_106", 1)),
        live=live,
    )
    page = office_browser

    page.goto(live_server.url + reverse("duplicates:case_list"))
    page.get_by_role("link", name="查看").click()
    page.wait_for_load_state("networkidle")
    widths = page.eval_on_selector_all(".pair img", RELOAD_FAILED_IMAGES_ONE_BY_ONE)
    assert len(widths) == 4
    assert all(width > 0 for width in widths)

    page.get_by_label("排除：不是同一人（如双胞胎、兄弟姐妹）").check()
    page.get_by_label("处理意见").fill("已联系学校核实，两人为双胞胎兄弟，户口簿可证。")
    page.get_by_role("button", name="提交决定").click()
    page.wait_for_load_state("networkidle")

    assert "已处理：已排除（非同一人）。" in page.content()
    waiting.refresh_from_db()
    assert waiting.state == "enrolled"
    assert DuplicateCase.objects.get().status == "cleared"
