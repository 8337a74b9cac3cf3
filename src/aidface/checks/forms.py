"""Forms of the check pages: list filters and the two launch forms.

The forms check the shape of the input only; the rules (windows, limits, scope) are
enforced by `checks.launching`, whose CheckError messages the views show.
"""
import re

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from aidface.checks.models import CheckKind, SampleMethod
from aidface.roster.idnumber import mask

STATE_CHOICES = [("", "全部"), ("planned", "未开始"), ("open", "进行中"), ("ended", "已结束"), ("cancelled", "已撤销")]
ID_NUMBER = re.compile(r"^\d{17}[\dX]$")


def limit_duration(field: forms.IntegerField, max_minutes: int, *, kind_label: str, article: str) -> None:
    """Bound a duration field to 1..max_minutes with Chinese messages naming the limit."""
    field.validators += [
        MinValueValidator(1, message="持续时间须至少 1 分钟。"),
        MaxValueValidator(
            max_minutes,
            message=f"{kind_label}持续时间不能超过 {max_minutes} 分钟（{max_minutes / 60:g} 小时），请缩短。",
        ),
    ]
    field.initial = max_minutes
    field.widget.attrs.update(min=1, max=max_minutes)
    field.help_text = f"{kind_label}最长 {max_minutes} 分钟（{article}）。"


class CheckFilterForm(forms.Form):
    kind = forms.ChoiceField(label="抽查类型", required=False, choices=[("", "全部"), *CheckKind.choices])
    state = forms.ChoiceField(label="状态", required=False, choices=STATE_CHOICES)
    semester = forms.TypedChoiceField(label="学期", required=False, coerce=int, empty_value=None)
    school = forms.TypedChoiceField(label="学校", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, semesters, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["semester"].choices = [("", "全部学期"), *((semester.pk, str(semester)) for semester in semesters)]
        self.fields["school"].choices = [("", "全部学校"), *((school.pk, school.name) for school in schools)]


class RoutineLaunchForm(forms.Form):
    timing = forms.ChoiceField(
        label="开始时间",
        choices=[("scheduled", "指定日期和时间"), ("random_today", "今日随机时间（系统在今日剩余时间内随机选定）")],
        widget=forms.RadioSelect,
        initial="scheduled",
    )
    day = forms.DateField(label="抽查日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="开始时刻", required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(label="持续时间（分钟）")

    def __init__(self, *args, max_minutes: int, **kwargs):
        super().__init__(*args, **kwargs)
        limit_duration(self.fields["duration_minutes"], max_minutes, kind_label="例行抽查", article="第十条")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("timing") == "scheduled" and not (cleaned.get("day") and cleaned.get("start_time")):
            raise forms.ValidationError("请填写抽查日期和开始时刻，或选择“今日随机时间”。")
        return cleaned


class TargetedLaunchForm(forms.Form):
    schools = forms.TypedMultipleChoiceField(
        label="学校", coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="可选本部门及下级部门管辖的学校。按指定学生抽查时，所选学生的学校自动加入。",
    )
    start_now = forms.BooleanField(label="立即开始", required=False, initial=True)
    day = forms.DateField(label="抽查日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="开始时刻", required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(label="持续时间（分钟）")
    sample_method = forms.ChoiceField(
        label="抽取方式",
        choices=[choice for choice in SampleMethod.choices if choice[0] != SampleMethod.ALL],
        widget=forms.RadioSelect,
        initial=SampleMethod.COUNT,
    )
    sample_size = forms.IntegerField(
        label="抽取人数或比例（%）",
        required=False,
        validators=[MinValueValidator(1, message="抽取人数或比例须至少为 1。")],
        widget=forms.NumberInput(attrs={"min": 1}),
    )
    seed = forms.CharField(
        label="随机种子", required=False, max_length=64, help_text="留空由系统生成；记录在抽查中，可据此复核抽取结果。"
    )
    id_numbers = forms.CharField(
        label="指定学生身份证号", required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text="每行一个身份证号。"
    )
    student_ids = forms.TypedMultipleChoiceField(label="从名册选择", coerce=int, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, schools, roster, max_minutes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].choices = [(school.pk, f"{school.name}（{school.supervising_office}）") for school in schools]
        self.fields["student_ids"].choices = [
            (student.pk, f"{student.name} · {student.masked_id_number} · {student.class_name}") for student in roster
        ]
        limit_duration(self.fields["duration_minutes"], max_minutes, kind_label="定向抽查", article="第十六条")

    def clean_id_numbers(self) -> list[str]:
        values = [line.strip().upper() for line in self.cleaned_data["id_numbers"].splitlines() if line.strip()]
        invalid = [value for value in values if not ID_NUMBER.match(value)]
        if invalid:
            examples = "、".join(mask(value) if len(value) == 18 else value[:4] + "…" for value in invalid[:3])
            raise forms.ValidationError(f"有 {len(invalid)} 行不是 18 位身份证号（{examples}），请更正。")
        return values

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("start_now") and not (cleaned.get("day") and cleaned.get("start_time")):
            raise forms.ValidationError("请选择“立即开始”，或填写抽查日期和开始时刻。")
        method = cleaned.get("sample_method")
        if method in (SampleMethod.COUNT, SampleMethod.PERCENT) and not cleaned.get("sample_size"):
            self.add_error("sample_size", "请填写抽取人数或比例。")
        if method == SampleMethod.NAMED and not (cleaned.get("id_numbers") or cleaned.get("student_ids")):
            self.add_error("id_numbers", "请填写身份证号或从名册中选择学生。")
        return cleaned
