from django import forms

from aidface.eligibility.models import Reason

STATUS_CHOICES = [("", "全部"), ("eligible", "保留资格"), ("cancelled", "取消资格")]


class EligibilityFilterForm(forms.Form):
    semester = forms.TypedChoiceField(label="学期", coerce=int, empty_value=None, required=False)
    school = forms.TypedChoiceField(label="学校", required=False, coerce=int, empty_value=None)
    region = forms.ChoiceField(label="地区", required=False)
    status = forms.ChoiceField(label="资格", required=False, choices=STATUS_CHOICES)
    reason = forms.ChoiceField(label="取消原因", required=False, choices=[("", "全部"), *Reason.choices])

    def __init__(self, *args, semesters, schools, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["semester"].choices = [(semester.pk, str(semester)) for semester in semesters]
        if len(schools) <= 1:
            # School staff see one school, so school and region filters would offer nothing.
            del self.fields["school"]
            del self.fields["region"]
            return
        self.fields["school"].choices = [("", "全部学校")] + [
            (school.pk, f"{school.name}（{school.code}）") for school in schools
        ]
        self.fields["region"].choices = [("", "全部地区")] + [(region.code, region.name) for region in regions]
