from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "aidface.checks"
    label = "checks"
    verbose_name = "抽查"
