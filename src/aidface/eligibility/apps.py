from django.apps import AppConfig


class EligibilityConfig(AppConfig):
    name = "aidface.eligibility"
    label = "eligibility"
    verbose_name = "学期受助资格"

    def ready(self) -> None:
        from aidface.eligibility import receivers  # noqa: F401  (connects the signal receivers)
