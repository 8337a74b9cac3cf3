from django.urls import path

from aidface.roster import views

app_name = "roster"

urlpatterns = [
    path("", views.student_list, name="students"),
    path("export/", views.export, name="export"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:pk>/", views.import_preview, name="import_preview"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<int:pk>/discard/", views.import_discard, name="import_discard"),
]
