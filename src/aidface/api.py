"""The JSON API used by the phone page and the terminal (Django Ninja).

The OpenAPI schema is served at /api/openapi.json and the docs page at /api/docs.
Each app adds its router here.
"""
from ninja import NinjaAPI
from ninja.security import django_auth

api = NinjaAPI(
    title="河南省学生资助监管面部识别系统 API",
    version="1.0",
    # django_auth checks the CSRF token on unsafe methods itself (Ninja 1.x dropped `csrf=`).
    auth=django_auth,
    urls_namespace="api",
)

from aidface.org.api import router as org_router  # noqa: E402

api.add_router("/org/", org_router)

from aidface.enrolment.api import router as enrolment_router  # noqa: E402

api.add_router("/enrolment/", enrolment_router)

from aidface.checks.terminal_api import router as checks_terminal_router  # noqa: E402

api.add_router("/checks/terminal/", checks_terminal_router)

from aidface.internships.api import router as internships_router  # noqa: E402

api.add_router("/internships/", internships_router)

from aidface.checks.phone_api import router as checks_phone_router  # noqa: E402

api.add_router("/checks/phone/", checks_phone_router)
