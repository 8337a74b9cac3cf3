from django import forms

from aidface.roster.reading import MAX_FILE_BYTES


class ExportForm(forms.Form):
    semester = forms.TypedChoiceField(label="学期", coerce=int)
    school = forms.TypedChoiceField(label="学校", required=False, coerce=int, empty_value=None)
    region = forms.ChoiceField(label="地区", required=False)

    def __init__(self, *args, semesters, schools, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["semester"].choices = [(semester.pk, str(semester)) for semester in semesters]
        if len(schools) <= 1:
            del self.fields["school"]
            del self.fields["region"]
            return
        self.fields["school"].choices = [("", "全部学校")] + [
            (school.pk, f"{school.name}（{school.code}）") for school in schools
        ]
        self.fields["region"].choices = [("", "全部地区")] + [(region.code, region.name) for region in regions]


class ReconcileForm(ExportForm):
    file = forms.FileField(
        label="全国系统名单",
        help_text="从全国学生资助管理信息系统导出的 .xlsx 或 .csv 名单，表头与名册导入相同，不超过 50 MB。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > MAX_FILE_BYTES:
            raise forms.ValidationError("文件超过 50 MB，请按学校分批核对。")
        if not uploaded.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError("只能上传 .xlsx 或 .csv 文件；旧版 .xls 请在 Excel 中另存为 .xlsx。")
        return uploaded
