from django.urls import path

from aidface.eligibility import views

app_name = "eligibility"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("recompute/", views.recompute, name="recompute"),
]
