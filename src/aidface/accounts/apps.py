from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "aidface.accounts"
    label = "accounts"
    verbose_name = "账号"
