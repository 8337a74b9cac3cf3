"""Password validators whose messages Django's Simplified Chinese catalog lacks.

Django 5.2.19's zh_Hans catalog has no translation of MinimumLengthValidator's error
message (its wording changed in Django 5.x), so a too-short password was rejected in
English. This subclass keeps Django's rule and gives the message in Chinese.
"""
from django.contrib.auth import password_validation


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return f"密码太短，至少需要 {self.min_length} 个字符。"
