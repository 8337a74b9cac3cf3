"""The navigation bar marks exactly one link active: the longest URL the page is under."""
import pytest

from aidface.navigation import links_for


@pytest.mark.parametrize(
    ("path", "label"),
    [("/checks/", "抽查"), ("/checks/marks/", "标示通过"), ("/", "首页"), ("/roster/students/", "学生名册")],
)
def test_navigation_one_active_link(org_tree, path, label):
    links = links_for(org_tree.users["operator"], path)
    active = [link.label for link in links if link.active]
    assert active == [label]
