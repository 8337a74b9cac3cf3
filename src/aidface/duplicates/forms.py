from django import forms

from aidface.duplicates.models import CaseStatus, SearchScope
from aidface.duplicates.services import COMMENT_MAX_LENGTH


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态")] + CaseStatus.choices)
    search_scope = forms.ChoiceField(label="比对范围", required=False, choices=[("", "全部范围")] + SearchScope.choices)
    school = forms.TypedChoiceField(label="学校", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", "全部学校")] + [(school.pk, f"{school.name}（{school.code}）") for school in schools]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="处理决定",
        choices=[("clear", "排除：不是同一人（如双胞胎、兄弟姐妹）"), ("confirm", "确认一人多籍")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="处理意见",
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="写明核查方式和依据，例如“已联系两校核实，为双胞胎兄弟，户口簿可证”。",
    )
