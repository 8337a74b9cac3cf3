from django.apps import AppConfig


class EnrolmentConfig(AppConfig):
    name = "aidface.enrolment"
    label = "enrolment"
    verbose_name = "新增采集"

    def ready(self) -> None:
        from aidface.enrolment.exporting import register_export_columns

        register_export_columns()
