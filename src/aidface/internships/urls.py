from django.urls import path

from aidface.internships import sheet_views, terminal_views, views

app_name = "internships"

urlpatterns = [
    path("", views.record_list, name="list"),
    path("new/", views.record_create, name="create"),
    path("terminal/", terminal_views.terminal, name="terminal"),
    path("import/", sheet_views.import_upload, name="import"),
    path("import/template/", sheet_views.import_template_download, name="import_template"),
    path("import/<int:pk>/", sheet_views.import_preview, name="import_preview"),
    path("import/<int:pk>/confirm/", sheet_views.import_confirm, name="import_confirm"),
    path("import/<int:pk>/discard/", sheet_views.import_discard, name="import_discard"),
    path("reconcile/", sheet_views.reconcile, name="reconcile"),
    path("reconcile/<int:pk>/", sheet_views.reconciliation_detail, name="reconciliation"),
    path("reconcile/<int:pk>/report/", sheet_views.reconciliation_report, name="reconciliation_report"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("<int:pk>/", views.record_detail, name="detail"),
    path("<int:pk>/edit/", views.record_edit, name="edit"),
    path("<int:pk>/file/", views.record_file, name="file"),
    path("<int:pk>/return/", views.record_return, name="return"),
]
