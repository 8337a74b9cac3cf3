"""The province edits the liveness actions with Chinese checkboxes and sees whole office names."""
import pytest
from django.urls import reverse

from aidface.policy.models import PolicyOverride

pytestmark = pytest.mark.browser

# Returns the width of the widest office name and the select's width inside its padding, in CSS pixels.
MEASURE_OFFICE_SELECT = """() => {
    const select = document.getElementById("office");
    const style = getComputedStyle(select);
    const context = document.createElement("canvas").getContext("2d");
    context.font = style.font;
    const widest = Math.max(...[...select.options].map((option) => context.measureText(option.text).width));
    const inner = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return {widest, inner};
}"""


def open_policy(live_server, org_tree, new_page, log_in):
    page = new_page(camera=False)
    log_in(page, "province_staff", org_tree.password)
    page.goto(live_server.url + reverse("policy:overview"))
    return page


def test_office_names_fit_select(live_server, org_tree, new_page, log_in):
    page = open_policy(live_server, org_tree, new_page, log_in)
    size = page.evaluate(MEASURE_OFFICE_SELECT)
    assert size["widest"] <= size["inner"], size


def test_actions_saved_by_checkboxes(live_server, org_tree, new_page, log_in):
    page = open_policy(live_server, org_tree, new_page, log_in)
    page.get_by_role("checkbox", name="张嘴").uncheck()
    page.get_by_role("checkbox", name="向右转头").uncheck()
    page.get_by_role("group", name="活体检测动作").locator("xpath=ancestor::form").get_by_role("button", name="保存").click()
    page.wait_for_load_state()

    assert page.get_by_role("cell", name="眨眼、向左转头", exact=True).is_visible()
    override = PolicyOverride.objects.get(office=org_tree.province, key="liveness_actions")
    assert override.value == ["blink", "turn_left"]
