from django import forms

from aidface.roster.reading import MAX_FILE_BYTES


class UploadForm(forms.Form):
    file = forms.FileField(
        label="名册文件",
        help_text="从全国学生资助管理信息系统导出的 .xlsx 或 .csv 文件（UTF-8 或 GB18030 编码），不超过 50 MB。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > MAX_FILE_BYTES:
            raise forms.ValidationError("文件超过 50 MB，请分批导入。")
        if not uploaded.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError("只能导入 .xlsx 或 .csv 文件；旧版 .xls 请在 Excel 中另存为 .xlsx。")
        return uploaded


class StudentFilterForm(forms.Form):
    school = forms.TypedChoiceField(label="学校", required=False, coerce=int, empty_value=None)
    q = forms.CharField(label="姓名、班级、学籍号或身份证号后 4 位", required=False, max_length=32)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        if len(schools) <= 1:
            # School staff see one school, so a school filter would offer nothing.
            del self.fields["school"]
            return
        self.fields["school"].choices = [("", "全部学校")] + [
            (school.pk, f"{school.name}（{school.code}）") for school in schools
        ]
