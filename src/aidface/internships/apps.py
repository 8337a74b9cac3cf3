from django.apps import AppConfig


class InternshipsConfig(AppConfig):
    name = "aidface.internships"
    label = "internships"
    verbose_name = "岗位实习"
