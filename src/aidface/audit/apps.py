from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "aidface.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        # Importing the module connects the login, logout and lock-out receivers.
        from aidface.audit import signals  # noqa: F401
