from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "aidface.roster"
    label = "roster"
    verbose_name = "学期与学生名册"
