"""Every page links the site icon, so browsers do not request the missing /favicon.ico."""
import xml.etree.ElementTree as ElementTree

import pytest
from django.templatetags.static import static

pytestmark = pytest.mark.django_db

ICON_LINK = f'<link rel="icon" href="{static("aidface/favicon.svg")}" type="image/svg+xml">'


def test_login_page_links_icon(client):
    assert ICON_LINK in client.get("/login/").content.decode()


def test_terminal_page_links_icon(client, org_tree):
    client.force_login(org_tree.users["terminal"])
    assert ICON_LINK in client.get("/enrolment/terminal/").content.decode()


def test_icon_served(client):
    response = client.get(static("aidface/favicon.svg"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")


def test_icon_is_svg(client):
    response = client.get(static("aidface/favicon.svg"))
    root = ElementTree.fromstring(b"".join(response.streaming_content) if response.streaming else response.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
