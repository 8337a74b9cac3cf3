from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "aidface.reports"
    label = "reports"
    verbose_name = "数据导出与核对"
