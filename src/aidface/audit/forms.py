from django import forms

from aidface.audit.models import Outcome


class LogFilterForm(forms.Form):
    action = forms.CharField(label="操作", max_length=64, required=False, help_text="按前缀筛选，如 auth 或 campus.approve")
    username = forms.CharField(label="用户名", max_length=150, required=False)
    outcome = forms.ChoiceField(label="结果", choices=[("", "全部"), *Outcome.choices], required=False)
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
