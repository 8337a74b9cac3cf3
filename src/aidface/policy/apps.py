from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "aidface.policy"
    label = "policy"
    verbose_name = "监管规则"
