"""URL configuration: server-rendered pages per app, and the JSON API under /api/."""
from django.urls import include, path

from aidface.api import api

urlpatterns = [
    path("", include("aidface.accounts.urls")),
    path("org/", include("aidface.org.urls")),
    path("audit/", include("aidface.audit.urls")),
    path("roster/", include("aidface.roster.urls")),
    path("enrolment/", include("aidface.enrolment.urls")),
    path("policy/", include("aidface.policy.urls")),
    path("duplicates/", include("aidface.duplicates.urls")),
    path("appeals/", include("aidface.appeals.urls")),
    path("checks/", include("aidface.checks.urls")),
    path("eligibility/", include("aidface.eligibility.urls")),
    path("reports/", include("aidface.reports.urls")),
    path("internships/", include("aidface.internships.urls")),
    path("api/", api.urls),
]
