from django.urls import path

from aidface.enrolment import views

app_name = "enrolment"

urlpatterns = [
    path("", views.status_list, name="status"),
    path("terminal/", views.terminal, name="terminal"),
    path("provisional/", views.provisional_list, name="provisional"),
    path("appeals/", views.appeal_list, name="appeals"),
    path("appeals/<int:pk>/", views.appeal_detail, name="appeal_detail"),
    path("appeals/<int:pk>/decide/", views.decide_appeal, name="decide_appeal"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("<int:pk>/", views.enrolment_detail, name="detail"),
    path("<int:pk>/provisional/", views.register_provisional, name="register_provisional"),
    path("<int:pk>/appeal/", views.file_appeal, name="file_appeal"),
    path("<int:pk>/reset/", views.reset, name="reset"),
]
