"""Pages of the organisation area, included at /org/."""
from django.urls import path

from aidface.org import views

app_name = "org"

urlpatterns = [
    path("offices/", views.office_list, name="office_list"),
    path("offices/new/", views.office_create, name="office_create"),
    path("offices/<int:pk>/", views.office_detail, name="office_detail"),
    path("schools/", views.school_list, name="school_list"),
    path("schools/new/", views.school_create, name="school_create"),
    path("schools/<int:pk>/", views.school_detail, name="school_detail"),
    path("schools/<int:pk>/edit/", views.school_edit, name="school_edit"),
    path("campuses/", views.campus_list, name="campus_list"),
    path("campuses/new/", views.campus_create, name="campus_create"),
    path("campuses/review/", views.campus_review, name="campus_review"),
    path("campuses/<int:pk>/", views.campus_detail, name="campus_detail"),
    path("campuses/<int:pk>/edit/", views.campus_edit, name="campus_edit"),
    path("campuses/<int:pk>/decide/", views.campus_decide, name="campus_decide"),
    path("users/", views.user_list, name="user_list"),
]
