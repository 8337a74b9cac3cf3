from django import forms

from aidface.checks.models import FraudSignalKind
from aidface.policy.calendar import SHANGHAI


class FraudSignalFilterForm(forms.Form):
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部类型")] + FraudSignalKind.choices)
    school = forms.TypedChoiceField(label="学校", required=False, coerce=int, empty_value=None)
    check_record = forms.TypedChoiceField(label="抽查", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, schools, checks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", "全部学校")] + [(school.pk, f"{school.name}（{school.code}）") for school in schools]
        self.fields["check_record"].choices = [("", "全部抽查")] + [
            (check.pk, f"{check.starts_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M} {check}") for check in checks
        ]
