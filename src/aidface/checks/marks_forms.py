"""Forms of the mark and month-result pages."""
from django import forms

from aidface.checks.marks import MAX_ATTACHMENT_BYTES, MAX_NOTE_CHARS
from aidface.checks.models import MarkReason, MonthState

MONTH_CHOICES = [("", "全部月份"), *((month, f"{month}月") for month in range(1, 13))]


def _school_choices(schools) -> list[tuple]:
    return [("", "全部学校"), *((school.pk, f"{school.name}（{school.code}）") for school in schools)]


class MonthResultFilterForm(forms.Form):
    semester = forms.TypedChoiceField(label="学期", required=False, coerce=int, empty_value=None)
    month = forms.TypedChoiceField(label="月份", required=False, coerce=int, empty_value=None, choices=MONTH_CHOICES)
    school = forms.TypedChoiceField(label="学校", required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label="结果", required=False, choices=[("", "全部结果"), *MonthState.choices])

    def __init__(self, *args, schools, semesters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["semester"].choices = [(semester.pk, str(semester)) for semester in semesters] or [("", "暂无学期")]
        if len(schools) <= 1:
            # School staff see one school, so a school filter would offer nothing.
            del self.fields["school"]
        else:
            self.fields["school"].choices = _school_choices(schools)


class MarkFilterForm(forms.Form):
    year = forms.TypedChoiceField(label="年份", required=False, coerce=int, empty_value=None)
    month = forms.TypedChoiceField(label="月份", required=False, coerce=int, empty_value=None, choices=MONTH_CHOICES)
    school = forms.TypedChoiceField(label="学校", required=False, coerce=int, empty_value=None)
    reason = forms.ChoiceField(label="原因", required=False, choices=[("", "全部原因"), *MarkReason.choices])
    withdrawn = forms.BooleanField(label="包括已撤销的标示", required=False)

    def __init__(self, *args, schools, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "全部年份"), *((year, f"{year}年") for year in years)]
        if len(schools) <= 1:
            del self.fields["school"]
        else:
            self.fields["school"].choices = _school_choices(schools)


class ClassFilterForm(forms.Form):
    class_name = forms.ChoiceField(label="班级", required=False)

    def __init__(self, *args, class_names, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_name"].choices = [("", "全部班级"), *((name, name) for name in class_names)]


class MarkForm(forms.Form):
    month = forms.ChoiceField(label="月份")
    students = forms.TypedMultipleChoiceField(label="学生", coerce=int, widget=forms.CheckboxSelectMultiple)
    reason = forms.ChoiceField(label="原因", choices=MarkReason.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label="说明",
        max_length=MAX_NOTE_CHARS,
        help_text="例如请假起止日期、实训或实习安排。",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachment = forms.FileField(
        label="附件（可选）",
        required=False,
        help_text=f"请假条、实训通知等，PDF、JPEG 或 PNG，不超过 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB。",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, months, students, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(item.value, item.label) for item in months]
        self.fields["students"].choices = [
            (student.pk, f"{student.name}（{student.class_name}，{student.masked_id_number}）") for student in students
        ]

    def clean_attachment(self):
        uploaded = self.cleaned_data.get("attachment")
        if uploaded and uploaded.size > MAX_ATTACHMENT_BYTES:
            raise forms.ValidationError(f"附件超过 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB，请压缩后重新上传。")
        return uploaded

    def selected_month(self) -> tuple[int, int]:
        year, month = self.cleaned_data["month"].split("-")
        return int(year), int(month)
