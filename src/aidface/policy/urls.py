from django.urls import path

from aidface.policy import views

app_name = "policy"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("<int:office_id>/set/", views.set_value, name="set"),
    path("<int:office_id>/clear/", views.clear_value, name="clear"),
]
