"""Student logins: the school operator sets initial passwords, students log in with the ID number."""
import pytest

import checks_support
import enrolment_faces

INITIAL_PASSWORD = "Chushi-Mima-2026"
NEW_PASSWORD = "Xuesheng-Xin-2026"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def id_number_ending_in_x() -> str:
    for sequence in range(100, 1000):
        value = enrolment_faces.id_number(birth="20080512", sequence=str(sequence))
        if value.endswith("X"):
            return value
    raise AssertionError("no sequence gives the check character X")


@pytest.fixture
def x_student(org_tree):
    from aidface.roster.models import Student

    student = checks_support.make_student(org_tree.county_school, name="王小雨", sequence="321")
    Student.objects.filter(pk=student.pk).update(id_number=id_number_ending_in_x())
    student.refresh_from_db()
    return student


@pytest.fixture
def class_mates(org_tree):
    first = checks_support.make_student(org_tree.county_school, name="李一", sequence="411")
    second = checks_support.make_student(org_tree.county_school, name="李二", sequence="412")
    other_class = checks_support.make_student(org_tree.county_school, name="李三", sequence="413")
    other_class.class_name = "电子2班"
    other_class.save()
    return first, second, other_class


@pytest.fixture
def operator_client(client, org_tree):
    client.force_login(org_tree.users["operator"], backend=MODEL_BACKEND)
    return client


def test_set_password_creates_login(org_tree, x_student):
    from aidface.audit.models import AuditEntry
    from aidface.checks.accounts import set_initial_password

    result = set_initial_password(user=org_tree.users["operator"], students=[x_student], password=INITIAL_PASSWORD)

    assert (result.created, result.updated) == (1, 0)
    x_student.refresh_from_db()
    account = x_student.account
    assert account.username == x_student.id_number
    assert account.username.endswith("X")
    assert account.role == "student"
    assert account.school_id == org_tree.county_school.pk
    assert account.must_change_password
    assert account.check_password(INITIAL_PASSWORD)
    entry = AuditEntry.objects.get(action="student_account.set_password")
    assert entry.user_id == org_tree.users["operator"].pk
    assert entry.detail == {"student_id": x_student.pk, "created": True}
    assert x_student.id_number not in entry.target_repr


def test_set_password_again_updates_login(org_tree, x_student):
    from aidface.checks.accounts import set_initial_password

    operator = org_tree.users["operator"]
    set_initial_password(user=operator, students=[x_student], password=INITIAL_PASSWORD)
    account = type(operator).objects.get(username=x_student.id_number)
    account.must_change_password = False
    account.save()

    result = set_initial_password(user=operator, students=[x_student], password="Lingyi-Mima-2026")

    assert (result.created, result.updated) == (0, 1)
    account.refresh_from_db()
    assert account.must_change_password
    assert account.check_password("Lingyi-Mima-2026")


def test_weak_password_rejected(org_tree, x_student):
    from aidface.checks.accounts import set_initial_password
    from aidface.checks.errors import CheckError

    with pytest.raises(CheckError) as raised:
        set_initial_password(user=org_tree.users["operator"], students=[x_student], password="123")
    assert raised.value.code == "password_invalid"
    x_student.refresh_from_db()
    assert x_student.account is None


def test_taken_username_changes_nothing(org_tree, x_student, class_mates):
    from aidface.checks.accounts import set_initial_password
    from aidface.checks.errors import CheckError
    from aidface.org.models import Role, User

    User.objects.create(username=x_student.id_number, role=Role.SCHOOL_OPERATOR, school=org_tree.county_school)
    with pytest.raises(CheckError) as raised:
        set_initial_password(user=org_tree.users["operator"], students=[class_mates[0], x_student], password=INITIAL_PASSWORD)
    assert raised.value.code == "username_taken"
    class_mates[0].refresh_from_db()
    assert class_mates[0].account is None


@pytest.mark.parametrize("role", ["principal", "county", "terminal", "student"])
def test_only_school_operator_sets_passwords(org_tree, x_student, role):
    from django.core.exceptions import PermissionDenied

    from aidface.checks.accounts import set_initial_password

    with pytest.raises(PermissionDenied):
        set_initial_password(user=org_tree.users[role], students=[x_student], password=INITIAL_PASSWORD)


def test_other_school_student_refused(org_tree):
    from django.core.exceptions import PermissionDenied

    from aidface.checks.accounts import set_initial_password

    stranger = checks_support.make_student(org_tree.county_school_2, name="外校生", sequence="555")
    with pytest.raises(PermissionDenied):
        set_initial_password(user=org_tree.users["operator"], students=[stranger], password=INITIAL_PASSWORD)


def test_login_lower_case_x_then_change(client, org_tree, x_student):
    from aidface.checks.accounts import set_initial_password

    set_initial_password(user=org_tree.users["operator"], students=[x_student], password=INITIAL_PASSWORD)

    response = client.post("/login/", {"username": x_student.id_number.lower(), "password": INITIAL_PASSWORD})
    assert response.status_code == 302
    assert client.get("/")["Location"] == "/password/"
    assert client.get("/checks/phone/")["Location"] == "/password/"

    response = client.post(
        "/password/", {"old_password": INITIAL_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    x_student.refresh_from_db()
    assert not x_student.account.must_change_password
    home = client.get("/").content.decode()
    assert 'href="/checks/phone/"' in home
    assert client.get("/checks/phone/").status_code == 200


def test_full_width_id_number_logs_in(client, org_tree, x_student):
    from aidface.checks.accounts import set_initial_password

    set_initial_password(user=org_tree.users["operator"], students=[x_student], password=INITIAL_PASSWORD)
    full_width = "".join(chr(ord(character) + 0xFEE0) for character in x_student.id_number.lower())

    response = client.post("/login/", {"username": full_width, "password": INITIAL_PASSWORD})
    assert response.status_code == 302


def test_other_usernames_ending_in_x_keep_their_case(client, org_tree):
    from aidface.org.models import Role, User

    User.objects.create_user(username="zhang_max", password=INITIAL_PASSWORD, role=Role.OFFICE_STAFF, office=org_tree.gongyi)
    response = client.post("/login/", {"username": "zhang_max", "password": INITIAL_PASSWORD})
    assert response.status_code == 302


def test_list_page_masks_id_numbers(operator_client, x_student):
    from aidface.audit.models import AuditEntry

    content = operator_client.get("/checks/student-accounts/").content.decode()

    assert x_student.masked_id_number in content
    assert x_student.id_number not in content
    assert "未开通" in content
    assert AuditEntry.objects.filter(action="student_account.view").exists()


def test_list_page_sets_selected_students(operator_client, class_mates):
    first, second, other_class = class_mates
    response = operator_client.post(
        "/checks/student-accounts/",
        {"target": "selected", "student": [first.pk], "password1": INITIAL_PASSWORD, "password2": INITIAL_PASSWORD},
    )
    assert response.status_code == 302
    for student, expected in ((first, True), (second, False), (other_class, False)):
        student.refresh_from_db()
        assert (student.account is not None) is expected, student.name


def test_list_page_sets_whole_class(operator_client, class_mates):
    first, second, other_class = class_mates
    school_class = f"{first.grade}\x1f{first.class_name}"
    response = operator_client.post(
        f"/checks/student-accounts/?school_class={school_class}",
        {"target": "class", "password1": INITIAL_PASSWORD, "password2": INITIAL_PASSWORD},
    )
    assert response.status_code == 302
    for student, expected in ((first, True), (second, True), (other_class, False)):
        student.refresh_from_db()
        assert (student.account is not None) is expected, student.name


def test_whole_class_needs_a_class(operator_client, class_mates):
    response = operator_client.post(
        "/checks/student-accounts/", {"target": "class", "password1": INITIAL_PASSWORD, "password2": INITIAL_PASSWORD}
    )
    assert "请先在上方选择一个班级" in response.content.decode()
    assert all(student.account_id is None for student in type(class_mates[0]).objects.all())


def test_mismatched_passwords_rejected(operator_client, class_mates):
    response = operator_client.post(
        "/checks/student-accounts/",
        {"target": "selected", "student": [class_mates[0].pk], "password1": INITIAL_PASSWORD, "password2": "other"},
    )
    assert "两次输入的密码不一致" in response.content.decode()
    class_mates[0].refresh_from_db()
    assert class_mates[0].account is None


def test_selection_ignores_other_schools(operator_client, org_tree):
    stranger = checks_support.make_student(org_tree.county_school_2, name="外校生", sequence="556")
    response = operator_client.post(
        "/checks/student-accounts/",
        {"target": "selected", "student": [stranger.pk], "password1": INITIAL_PASSWORD, "password2": INITIAL_PASSWORD},
    )
    assert "请勾选需要设置密码的学生" in response.content.decode()
    stranger.refresh_from_db()
    assert stranger.account is None


def test_single_student_page(operator_client, x_student):
    content = operator_client.get(f"/checks/student-accounts/{x_student.pk}/").content.decode()
    assert x_student.masked_id_number in content
    assert x_student.id_number not in content

    response = operator_client.post(
        f"/checks/student-accounts/{x_student.pk}/", {"password1": INITIAL_PASSWORD, "password2": INITIAL_PASSWORD}
    )
    assert response.status_code == 302
    x_student.refresh_from_db()
    assert x_student.account.must_change_password


def test_single_student_page_hides_other_school(operator_client, org_tree):
    stranger = checks_support.make_student(org_tree.county_school_2, name="外校生", sequence="557")
    assert operator_client.get(f"/checks/student-accounts/{stranger.pk}/").status_code == 404


def test_roster_page_links_to_account_page(operator_client, x_student):
    content = operator_client.get("/roster/").content.decode()
    assert f'href="/checks/student-accounts/{x_student.pk}/"' in content


@pytest.mark.parametrize("role", ["principal", "county", "terminal"])
def test_account_pages_refused_to_other_roles(client, org_tree, role):
    client.force_login(org_tree.users[role], backend=MODEL_BACKEND)
    assert client.get("/checks/student-accounts/").status_code == 403
