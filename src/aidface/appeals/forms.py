from django import forms

from aidface.appeals.models import AppealKind, AppealState


class AppealFilterForm(forms.Form):
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *AppealState.choices])
    kind = forms.ChoiceField(label="申诉类型", required=False, choices=[("", "全部"), *AppealKind.choices])


class DecisionForm(forms.Form):
    item = forms.TypedMultipleChoiceField(label="学生", coerce=int)
    decision = forms.ChoiceField(label="审核结果", choices=[("approve", "通过"), ("reject", "驳回")])
    comment = forms.CharField(label="审核意见", max_length=1000, required=False)

    def __init__(self, *args, item_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(item_id, item_id) for item_id in item_ids]
