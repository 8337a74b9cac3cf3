from django.apps import AppConfig


class DuplicatesConfig(AppConfig):
    name = "aidface.duplicates"
    label = "duplicates"
    verbose_name = "疑似一人多籍"
