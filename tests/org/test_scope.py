"""Per role: nothing outside the jurisdiction can be listed, opened or changed, through pages or the API."""
import pytest
from django.urls import reverse

from aidface.org import scope, selectors
from aidface.org.models import Campus, School

ALL_SCHOOLS = {"province", "zhengzhou", "luoyang", "jinshui", "zhongmou", "yanshi"}

# role (user key) -> (schools in scope, offices in scope, users in scope)
SCOPE_TABLE = {
    "province": (
        ALL_SCHOOLS,
        {"province", "zhengzhou", "luoyang", "jinshui", "zhongmou", "yanshi"},
        "all",
    ),
    "zhengzhou": (
        {"zhengzhou", "jinshui", "zhongmou"},
        {"zhengzhou", "jinshui", "zhongmou"},
        {"zhengzhou", "jinshui", "zhongmou", "school_operator", "principal", "terminal", "student", "zhongmou_operator"},
    ),
    "luoyang": ({"luoyang", "yanshi"}, {"luoyang", "yanshi"}, {"luoyang", "yanshi"}),
    "jinshui": (
        {"jinshui"},
        {"jinshui"},
        {"jinshui", "school_operator", "principal", "terminal", "student"},
    ),
    "zhongmou": ({"zhongmou"}, {"zhongmou"}, {"zhongmou", "zhongmou_operator"}),
    "yanshi": ({"yanshi"}, {"yanshi"}, {"yanshi"}),
    "school_operator": ({"jinshui"}, set(), {"school_operator", "principal", "terminal", "student"}),
    "principal": ({"jinshui"}, set(), {"school_operator", "principal", "terminal", "student"}),
    "terminal": ({"jinshui"}, set(), {"terminal"}),
    "student": (set(), set(), {"student"}),
}
# Students see no school, but the campuses of their own school (where a check-in counts).
CAMPUS_TABLE = {role: schools for role, (schools, _, _) in SCOPE_TABLE.items()} | {"student": {"jinshui"}}
ROLES = list(SCOPE_TABLE)


def expected_users(world, role):
    keys = SCOPE_TABLE[role][2]
    if keys == "all":
        return {user.pk for user in world.users.values()}
    return {world.users[key].pk for key in keys}


@pytest.mark.parametrize("role", ROLES)
def test_scope_schools(world, role):
    user = world.users[role]
    expected = {world.schools[key].pk for key in SCOPE_TABLE[role][0]}
    assert set(scope.schools(user).values_list("pk", flat=True)) == expected
    assert set(scope.school_ids(user)) == expected


@pytest.mark.parametrize("role", ROLES)
def test_scope_campuses(world, role):
    user = world.users[role]
    expected = {world.campuses[key].pk for key in CAMPUS_TABLE[role]}
    assert set(scope.campuses(user).values_list("pk", flat=True)) == expected


@pytest.mark.parametrize("role", ROLES)
def test_scope_offices(world, role):
    user = world.users[role]
    expected = {world.offices[key].pk for key in SCOPE_TABLE[role][1]}
    assert set(scope.offices(user).values_list("pk", flat=True)) == expected


@pytest.mark.parametrize("role", ROLES)
def test_scope_users(world, role):
    user = world.users[role]
    assert set(scope.users(user).values_list("pk", flat=True)) == expected_users(world, role)


# role -> regions in scope: the office's region and all below it, or the school's own county.
REGION_TABLE = {
    "province": 175,
    "zhengzhou": 13,
    "luoyang": 15,
    "jinshui": 1,
    "zhongmou": 1,
    "yanshi": 1,
    "school_operator": 1,
    "principal": 1,
    "terminal": 1,
    "student": 1,
}


@pytest.mark.parametrize("role", ROLES)
def test_scope_regions(world, role):
    user = world.users[role]
    codes = set(scope.regions(user).values_list("code", flat=True))
    own = user.office.region_id if user.office_id else user.school.region_id
    assert len(codes) == REGION_TABLE[role]
    assert own in codes
    assert {code for code in codes if code[:4] != own[:4]} == (set() if own != "410000" else codes - {"410000"})


# role -> schools whose roster students are in scope
STUDENT_TABLE = {role: schools for role, (schools, _, _) in SCOPE_TABLE.items()}


@pytest.mark.parametrize("role", ROLES)
def test_scope_students(world, role):
    from aidface.roster.models import Student

    roster = {}
    for number, (key, school) in enumerate(world.schools.items()):
        roster[key] = Student.objects.create(
            school=school, name=f"学生{number}", id_number=f"41010520080101{number:04d}", gender="male", aid_status="aided"
        )
    expected = {roster[key].pk for key in STUDENT_TABLE[role]}
    assert set(scope.students(world.users[role]).values_list("pk", flat=True)) == expected


def test_scope_anonymous_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert scope.schools(AnonymousUser()).count() == 0
    assert scope.offices(AnonymousUser()).count() == 0


def test_scope_inactive_user_sees_nothing(world):
    user = world.users["province"]
    user.is_active = False
    user.save()
    assert scope.schools(user).count() == 0


# Pages


@pytest.mark.parametrize("role", ROLES)
def test_pages_school_list(world, client, login, role):
    login(world.users[role])
    page = client.get(reverse("org:school_list")).content.decode()
    for key, school in world.schools.items():
        link = f'href="{reverse("org:school_detail", args=[school.pk])}"'
        if key in SCOPE_TABLE[role][0]:
            assert link in page, f"{school.name} missing for {role}"
        else:
            assert link not in page, f"{school.name} listed for {role}"
            assert school.code not in page, f"{school.name} listed for {role}"


@pytest.mark.parametrize("role", ROLES)
def test_pages_campus_list(world, client, login, role):
    login(world.users[role])
    page = client.get(reverse("org:campus_list")).content.decode()
    for key, campus in world.campuses.items():
        if key in CAMPUS_TABLE[role]:
            assert campus.name in page, f"{campus.name} missing for {role}"
        else:
            assert campus.name not in page, f"{campus.name} listed for {role}"


@pytest.mark.parametrize("role", ROLES)
def test_pages_office_list(world, client, login, role):
    login(world.users[role])
    page = client.get(reverse("org:office_list")).content.decode()
    for key, office in world.offices.items():
        link = f'href="{reverse("org:office_detail", args=[office.pk])}"'
        if key in SCOPE_TABLE[role][1]:
            assert link in page, f"{office.name} missing for {role}"
        else:
            assert link not in page, f"{office.name} listed for {role}"


@pytest.mark.parametrize("role", ROLES)
def test_pages_user_list(world, client, login, role):
    login(world.users[role])
    page = client.get(reverse("org:user_list")).content.decode()
    visible = expected_users(world, role)
    for user in world.users.values():
        cell = f"<td>{selectors.shown_username(user)}</td>"
        if user.pk in visible:
            assert cell in page, f"{user.username} missing for {role}"
        else:
            assert cell not in page, f"{user.username} listed for {role}"


def test_pages_user_list_masks_student(world, client, login):
    login(world.users["jinshui"])
    page = client.get(reverse("org:user_list")).content.decode()
    assert "410105200801011234" not in page
    assert "410***********1234" in page


@pytest.mark.parametrize("role", ROLES)
def test_pages_outside_answer_404(world, client, login, role):
    login(world.users[role])
    for key in ALL_SCHOOLS - SCOPE_TABLE[role][0]:
        school = world.schools[key]
        for url in (reverse("org:school_detail", args=[school.pk]), reverse("org:school_edit", args=[school.pk])):
            assert client.get(url).status_code == 404, f"GET {url} as {role}"
    for key in ALL_SCHOOLS - CAMPUS_TABLE[role]:
        campus = world.campuses[key]
        for url in (reverse("org:campus_detail", args=[campus.pk]), reverse("org:campus_edit", args=[campus.pk])):
            assert client.get(url).status_code == 404, f"GET {url} as {role}"
    for key in set(world.offices) - SCOPE_TABLE[role][1]:
        url = reverse("org:office_detail", args=[world.offices[key].pk])
        assert client.get(url).status_code == 404, f"GET {url} as {role}"


@pytest.mark.parametrize("role", ROLES)
def test_pages_outside_cannot_change(world, client, login, role):
    login(world.users[role])
    for key in ALL_SCHOOLS - SCOPE_TABLE[role][0]:
        school = world.schools[key]
        school_form = {
            "name": "改名",
            "region": school.region_id,
            "supervising_office": school.supervising_office_id,
            "principal_name": "",
        }
        response = client.post(reverse("org:school_edit", args=[school.pk]), school_form)
        assert response.status_code == 404, f"school edit {key} as {role}"
    for key in ALL_SCHOOLS - CAMPUS_TABLE[role]:
        campus = world.campuses[key]
        campus_form = {
            "name": "改名",
            "address": "新地址",
            "latitude": "34.800000",
            "longitude": "113.700000",
            "coord_system": "wgs84",
        }
        response = client.post(reverse("org:campus_edit", args=[campus.pk]), campus_form)
        assert response.status_code == 404, f"campus edit {key} as {role}"
        decide_form = {"decision": "reject", "comment": "越权", "seen_submitted_at": campus.submitted_at.isoformat()}
        response = client.post(reverse("org:campus_decide", args=[campus.pk]), decide_form)
        assert response.status_code == 404, f"campus decision {key} as {role}"

    outside = ALL_SCHOOLS - CAMPUS_TABLE[role]
    assert set(School.objects.filter(name="改名").values_list("pk", flat=True)) == set()
    assert Campus.objects.filter(name="改名").count() == 0
    assert Campus.objects.filter(school__in=[world.schools[key] for key in outside], status="rejected").count() == 0


@pytest.mark.parametrize("role", ["zhengzhou", "jinshui", "yanshi"])
def test_pages_create_school_outside_rejected(world, client, login, role):
    login(world.users[role])
    foreign_office = world.offices["luoyang"] if role != "yanshi" else world.offices["zhengzhou"]
    form = {
        "code": "4141009999",
        "name": "越权登记的学校",
        "supervising_office": foreign_office.pk,
        "region": "410305" if role != "yanshi" else "410103",
        "principal_name": "",
    }
    response = client.post(reverse("org:school_create"), form)
    assert response.status_code == 200
    assert not School.objects.filter(code="4141009999").exists()


# API


@pytest.mark.parametrize("role", ROLES)
def test_api_school_list(world, client, login, role):
    login(world.users[role])
    response = client.get("/api/org/schools")
    assert response.status_code == 200
    expected = {world.schools[key].pk for key in SCOPE_TABLE[role][0]}
    assert {row["id"] for row in response.json()} == expected


@pytest.mark.parametrize("role", ROLES)
def test_api_campus_list(world, client, login, role):
    login(world.users[role])
    response = client.get("/api/org/campuses")
    assert response.status_code == 200
    expected = {world.campuses[key].pk for key in CAMPUS_TABLE[role]}
    assert {row["id"] for row in response.json()} == expected


@pytest.mark.parametrize("role", ROLES)
def test_api_outside_answer_404(world, client, login, role):
    login(world.users[role])
    for key in ALL_SCHOOLS:
        school_status = 200 if key in SCOPE_TABLE[role][0] else 404
        school_response = client.get(f"/api/org/schools/{world.schools[key].pk}")
        assert school_response.status_code == school_status, f"school {key} as {role}"
        campus_status = 200 if key in CAMPUS_TABLE[role] else 404
        campus_response = client.get(f"/api/org/campuses/{world.campuses[key].pk}")
        assert campus_response.status_code == campus_status, f"campus {key} as {role}"


def test_api_anonymous_rejected(world, client):
    assert client.get("/api/org/schools").status_code == 401


def test_scope_superuser_sees_all(world):
    from aidface.org.models import User

    admin = User.objects.create_superuser(username="admin", password="Admin-Ceshi-2026", role="")
    assert set(scope.school_ids(admin)) == {school.pk for school in world.schools.values()}


def test_get_or_404_rejects_malformed_pk(world):
    from django.http import Http404

    with pytest.raises(Http404):
        scope.get_school_or_404(world.users["province"], "abc")


def test_get_or_404_outside_scope(world):
    from django.http import Http404

    with pytest.raises(Http404):
        scope.get_campus_or_404(world.users["yanshi"], world.campuses["jinshui"].pk)
