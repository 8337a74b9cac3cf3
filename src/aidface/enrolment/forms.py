from django import forms

from aidface.enrolment.models import EnrolmentState

STATE_CHOICES = [("", "全部"), ("none", "未采集"), ("late", "逾期采集"), *EnrolmentState.choices]


class StatusFilterForm(forms.Form):
    school = forms.TypedChoiceField(label="学校", required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label="采集状态", required=False, choices=STATE_CHOICES)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", "全部学校"), *((school.pk, school.name) for school in schools)]


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="审核结果", choices=[("approve", "批准"), ("reject", "驳回")], widget=forms.RadioSelect)
    comment = forms.CharField(label="审核意见", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
