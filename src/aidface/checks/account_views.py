"""School operator pages that set the students' initial login passwords for the phone check-in.

The list page sets one password for the selected students or for a whole class; the
student page sets it for one student. ID numbers are shown masked, and every view and
change is written to the audit log.
"""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from aidface.audit.services import record
from aidface.checks import accounts
from aidface.checks.errors import CheckError
from aidface.org import scope

PAGE_SIZE = 100
# Separates grade and class in the class filter's value; neither contains it.
CLASS_KEY_SEPARATOR = "\x1f"


class ClassFilterForm(forms.Form):
    school_class = forms.ChoiceField(label="班级", required=False)
    q = forms.CharField(label="姓名", required=False, max_length=64)

    def __init__(self, *args, classes: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].choices = [("", "全部班级"), *classes]


class PasswordForm(forms.Form):
    password1 = forms.CharField(label="初始密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label="再次输入", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "两次输入的密码不一致")
        return cleaned


class BatchPasswordForm(PasswordForm):
    target = forms.ChoiceField(
        label="设置范围",
        choices=[("selected", "勾选的学生"), ("class", "所选班级的全部学生")],
        widget=forms.RadioSelect,
        initial="selected",
    )


def _classes(students) -> list[tuple[str, str]]:
    pairs = students.order_by("grade", "class_name").values_list("grade", "class_name").distinct()
    return [(f"{grade}{CLASS_KEY_SEPARATOR}{name}", f"{grade} {name}".strip()) for grade, name in pairs]


def _filtered(students, form: ClassFilterForm):
    if not form.is_valid():
        return students, ""
    school_class = form.cleaned_data["school_class"]
    if school_class:
        grade, _, name = school_class.partition(CLASS_KEY_SEPARATOR)
        students = students.filter(grade=grade, class_name=name)
    if form.cleaned_data["q"]:
        students = students.filter(name__contains=form.cleaned_data["q"].strip())
    return students, school_class


def _record_view(request: HttpRequest, detail: dict, *, target=None) -> None:
    with transaction.atomic():
        record(user=request.user, action="student_account.view", target=target, detail=detail)


@login_required
def student_accounts(request: HttpRequest) -> HttpResponse:
    """List the school's students with their login state; set a password for a selection or a class."""
    accounts.check_may_manage_accounts(request.user)
    school_students = scope.students(request.user).filter(school=request.user.school_id).select_related("account")
    filter_form = ClassFilterForm(request.GET or None, classes=_classes(school_students))
    found, school_class = _filtered(school_students.order_by("grade", "class_name", "name", "pk"), filter_form)

    password_form = BatchPasswordForm(request.POST or None)
    if request.method == "POST" and password_form.is_valid():
        if password_form.cleaned_data["target"] == "class":
            chosen = found if school_class else found.none()
            missing = "请先在上方选择一个班级并查询，再为全班设置密码" if not school_class else ""
        else:
            chosen = school_students.filter(pk__in=_selected_ids(request))
            missing = "请勾选需要设置密码的学生"
        if not chosen.exists():
            messages.error(request, missing or "所选范围内没有学生")
        else:
            try:
                result = accounts.set_initial_password(
                    user=request.user, students=chosen, password=password_form.cleaned_data["password1"]
                )
            except CheckError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    f"已为 {result.created + result.updated} 名学生设置初始密码（新开通 {result.created} 个账号）。"
                    "学生用身份证号和该密码登录，首次登录须修改密码。",
                )
                return redirect(request.get_full_path())

    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    _record_view(request, {"list": "accounts", "page": page.number, "shown": len(page.object_list)})
    parameters = request.GET.copy()
    parameters.pop("page", None)
    return render(
        request,
        "checks/student_accounts.html",
        {
            "filter_form": filter_form,
            "password_form": password_form,
            "page": page,
            "query": parameters.urlencode(),
            "school_class": school_class,
        },
    )


def _selected_ids(request: HttpRequest) -> list[int]:
    return [int(value) for value in request.POST.getlist("student") if value.isdigit()]


@login_required
def student_account(request: HttpRequest, pk: int) -> HttpResponse:
    """Set the initial password of one student, from the roster or the account list."""
    accounts.check_may_manage_accounts(request.user)
    student = scope.get_student_or_404(request.user, pk)
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = accounts.set_initial_password(
                user=request.user, students=[student], password=form.cleaned_data["password1"]
            )
        except CheckError as error:
            messages.error(request, error.message)
        else:
            opened = "已开通账号并设置初始密码" if result.created else "已重新设置初始密码"
            messages.success(request, f"{student.name}：{opened}。学生用身份证号和该密码登录，首次登录须修改密码。")
            return redirect(reverse("checks:student_accounts"))

    student.refresh_from_db()
    _record_view(request, {"student_id": student.pk}, target=student)
    return render(request, "checks/student_account.html", {"student": student, "form": form})
