from django.urls import path

from aidface.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("month-results.xlsx", views.month_results, name="month_results"),
    path("eligibility.xlsx", views.eligibility, name="eligibility"),
    path("reconcile/", views.reconcile, name="reconcile"),
]
