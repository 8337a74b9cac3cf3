"""Forms of the forced-pass review pages: the list filter and the reviewer's decision."""
import re

from django import forms

from aidface.checks.models import ReviewState
from aidface.checks.review_selectors import FILTER_STATES

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


class ReviewFilterForm(forms.Form):
    state = forms.ChoiceField(label="复核状态", required=False, choices=[("", "全部"), *FILTER_STATES.items()])
    school = forms.TypedChoiceField(label="学校", required=False, coerce=int, empty_value=None)
    month = forms.CharField(
        label="抽查月份", required=False, widget=forms.DateInput(attrs={"type": "month"}), help_text="例如 2026-03"
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", "全部学校"), *((school.pk, school.name) for school in schools)]

    def clean_month(self) -> tuple[int, int] | None:
        value = self.cleaned_data["month"].strip()
        if not value:
            return None
        match = MONTH_PATTERN.match(value)
        if match is None or not 1 <= int(match.group(2)) <= 12:
            raise forms.ValidationError("请按“年-月”填写抽查月份，例如 2026-03")
        return int(match.group(1)), int(match.group(2))


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="复核意见",
        choices=[(ReviewState.CONFIRMED, "确认通过"), (ReviewState.FAILED, "改为未通过")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="说明",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="改为未通过时必须说明理由，例如留证照片与本人明显不符。",
    )
