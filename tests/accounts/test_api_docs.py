"""The API schema and docs page work without internet access."""
import pytest

pytestmark = pytest.mark.django_db


def test_openapi_schema_served(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "河南省学生资助监管面部识别系统 API"


def test_docs_page_served(client):
    assert client.get("/api/docs").status_code == 200


def test_docs_use_bundled_swagger(client):
    content = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in content
    assert "/static/ninja/swagger-ui.css" in content


def test_docs_load_nothing_remote(client):
    content = client.get("/api/docs").content.decode()
    assert "https://" not in content
    assert "cdn" not in content.lower()


def test_swagger_assets_found(client):
    from django.contrib.staticfiles import finders

    assert finders.find("ninja/swagger-ui-bundle.js") is not None
