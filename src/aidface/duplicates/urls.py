from django.urls import path

from aidface.duplicates import views

app_name = "duplicates"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/decide/", views.case_decide, name="case_decide"),
    path("<int:pk>/photo/<str:side>/<str:kind>/", views.case_photo, name="case_photo"),
    path("school/", views.school_case_list, name="school_cases"),
]
