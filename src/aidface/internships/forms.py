"""Forms of the internship pages. Field checks live in `validation` and the services, so every
field's Chinese message is the same on the page and in the import preview.
"""
from django import forms

from aidface.internships.models import InternshipState
from aidface.internships.reading import MAX_FILE_BYTES
from aidface.org.models import CoordSystem

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RecordForm(forms.Form):
    """Every field is optional here so that the service reports each missing one with its own message."""

    name = forms.CharField(label="实习人姓名", required=False, max_length=64)
    id_number = forms.CharField(label="身份证号", required=False, max_length=32, help_text="须为本校名册中的学生。")
    grade = forms.CharField(label="年级", required=False, max_length=64)
    class_name = forms.CharField(label="班级", required=False, max_length=128)
    company = forms.CharField(label="实习单位", required=False, max_length=256)
    address = forms.CharField(label="实习地点", required=False, max_length=512, help_text="写到街道门牌号。")
    latitude = forms.CharField(label="实习地点纬度（选填）", required=False, max_length=32, help_text="单位：度，例如 34.746600。")
    longitude = forms.CharField(label="实习地点经度（选填）", required=False, max_length=32, help_text="单位：度，例如 113.625400。")
    coord_system = forms.ChoiceField(
        label="坐标系（填写坐标时必选）",
        required=False,
        choices=[("", "—")] + list(CoordSystem.choices),
        help_text="手机 GPS 为 WGS-84；高德、腾讯地图为 GCJ-02；百度地图为 BD-09。",
    )
    supervisor_name = forms.CharField(label="负责人", required=False, max_length=128)
    supervisor_phone = forms.CharField(
        label="负责人联系方式", required=False, max_length=32, help_text="11 位手机号，或带区号的固定电话，如 0371-65432100。"
    )
    start_date = forms.CharField(label="实习开始日期", required=False, widget=DATE_INPUT)
    end_date = forms.CharField(label="实习结束日期", required=False, widget=DATE_INPUT)

    def __init__(self, *args, editing: bool = False, filed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # The student of a record does not change, because a wrong student means a new record.
            del self.fields["name"]
            del self.fields["id_number"]
        if filed:
            # After filing only company, location and supervisor may change (Art. 19).
            for name in ("grade", "class_name", "start_date", "end_date"):
                self.fields[name].disabled = True

    def add_service_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)


class ReturnForm(forms.Form):
    comment = forms.CharField(label="退回意见", required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class RecordFilterForm(forms.Form):
    school = forms.TypedChoiceField(label="学校", required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + list(InternshipState.choices))
    confirmation = forms.ChoiceField(
        label="离校前确认", required=False, choices=[("", "全部"), ("missing", "未确认"), ("done", "已确认")]
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        if len(schools) <= 1:
            del self.fields["school"]
            return
        self.fields["school"].choices = [("", "全部学校")] + [(school.pk, f"{school.name}（{school.code}）") for school in schools]


class UploadForm(forms.Form):
    file = forms.FileField(label="文件", widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def __init__(self, *args, allow_csv: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_csv = allow_csv
        if allow_csv:
            self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > MAX_FILE_BYTES:
            raise forms.ValidationError(f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，请分批处理。")
        allowed = (".xlsx", ".csv") if self.allow_csv else (".xlsx",)
        if not uploaded.name.lower().endswith(allowed):
            raise forms.ValidationError("只能上传 " + " 或 ".join(allowed) + " 文件；旧版 .xls 请在 Excel 中另存为 .xlsx。")
        return uploaded
