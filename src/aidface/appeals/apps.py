from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "aidface.appeals"
    label = "appeals"
    verbose_name = "抽查结果申诉"
