"""Forms of the organisation pages; the choices offered come from the user's jurisdiction."""
from django import forms

from aidface.org import scope
from aidface.org.models import AidOffice, CoordSystem, Level, Region
from aidface.org.selectors import county_regions_under


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region: Region) -> str:
        if region.parent_id and region.level == Level.COUNTY:
            return f"{region.parent.name} {region.name}（{region.code}）"
        return f"{region.name}（{region.code}）"


class CampusForm(forms.Form):
    name = forms.CharField(label="校区名称", max_length=128)
    address = forms.CharField(label="办学地址", max_length=255, help_text="写到街道门牌号。")
    latitude = forms.DecimalField(label="中心点纬度", max_digits=9, decimal_places=6, help_text="单位：度，例如 34.746600。")
    longitude = forms.DecimalField(
        label="中心点经度", max_digits=9, decimal_places=6, help_text="单位：度，例如 113.625400。"
    )
    coord_system = forms.ChoiceField(
        label="坐标系",
        choices=CoordSystem.choices,
        help_text="手机 GPS 为 WGS-84；高德、腾讯地图为 GCJ-02；百度地图为 BD-09。请选择取点所用地图的坐标系。",
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "通过"), ("reject", "驳回")])
    comment = forms.CharField(label="审核意见", max_length=255, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    # The submission time the reviewer saw; a later edit by the school makes the decision fail.
    seen_submitted_at = forms.DateTimeField(widget=forms.HiddenInput)


class SchoolForm(forms.Form):
    code = forms.RegexField(
        label="学校标识码", regex=r"^\d{10}$", error_messages={"invalid": "学校标识码应为 10 位数字。"}
    )
    name = forms.CharField(label="学校名称", max_length=128)
    supervising_office = forms.ModelChoiceField(label="同级资助部门", queryset=AidOffice.objects.none())
    region = RegionChoiceField(label="所在地", queryset=Region.objects.none())
    principal_name = forms.CharField(label="校长", max_length=64, required=False)

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervising_office"].queryset = scope.offices(user).order_by("region_id")
        self.fields["region"].queryset = county_regions_under(user.office.region).select_related("parent")
        if editing:
            # The school code identifies the school nationally and is not edited here.
            del self.fields["code"]


class OfficeForm(forms.Form):
    region = RegionChoiceField(label="行政区划", queryset=Region.objects.none())
    name = forms.CharField(label="部门名称", max_length=128, help_text="例如：某某县学生资助管理中心。")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Offices may be set up for the regions directly below an office in the user's tree.
        self.fields["region"].queryset = (
            Region.objects.filter(parent__aid_office__in=scope.offices(user), aid_office__isnull=True)
            .select_related("parent")
            .order_by("code")
        )
