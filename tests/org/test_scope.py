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
# Roles that may open the school, campus and user pages. Students and terminals get 403.
READER_ROLES = [role for role in ROLES if role not in ("terminal", "student")]
OFFICE_ROLES = ["province", "zhengzhou", "luoyang", "jinshui", "zhongmou", "yanshi"]


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


def test_scope_student_sees_own_record_only(world):
    from aidface.roster.models import Student

    student_user = world.users["student"]
    own = Student.objects.create(
        school=student_user.school, name="本人", id_number="410105200801010011", gender="male",
        aid_status="aided", account=student_user,
    )
    Student.objects.create(
        school=student_user.school, name="同学", id_number="410105200801010038", gender="male", aid_status="aided"
    )
    assert list(scope.students(student_user).values_list("pk", flat=True)) == [own.pk]


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


@pytest.mark.parametrize("role", READER_ROLES)
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


@pytest.mark.parametrize("role", READER_ROLES)
def test_pages_campus_list(world, client, login, role):
    login(world.users[role])
    page = client.get(reverse("org:campus_list")).content.decode()
    for key, campus in world.campuses.items():
        if key in CAMPUS_TABLE[role]:
            assert campus.name in page, f"{campus.name} missing for {role}"
        else:
            assert campus.name not in page, f"{campus.name} listed for {role}"


@pytest.mark.parametrize("role", OFFICE_ROLES)
def test_pages_office_list(world, client, login, role):
    login(world.users[role])
    page = client.get(reverse("org:office_list")).content.decode()
    for key, office in world.offices.items():
        link = f'href="{reverse("org:office_detail", args=[office.pk])}"'
        if key in SCOPE_TABLE[role][1]:
            assert link in page, f"{office.name} missing for {role}"
        else:
            assert link not in page, f"{office.name} listed for {role}"


@pytest.mark.parametrize("role", READER_ROLES)
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


@pytest.mark.parametrize("role", READER_ROLES)
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
    if role not in OFFICE_ROLES:
        return
    for key in set(world.offices) - SCOPE_TABLE[role][1]:
        url = reverse("org:office_detail", args=[world.offices[key].pk])
        assert client.get(url).status_code == 404, f"GET {url} as {role}"


@pytest.mark.parametrize("role", ROLES)
def test_pages_outside_cannot_change(world, client, login, role):
    login(world.users[role])
    # Students and terminals are stopped by their role before the object is looked up.
    status = 404 if role in READER_ROLES else 403
    for key in ALL_SCHOOLS - SCOPE_TABLE[role][0]:
        school = world.schools[key]
        school_form = {
            "name": "改名",
            "region": school.region_id,
            "supervising_office": school.supervising_office_id,
            "principal_name": "",
        }
        response = client.post(reverse("org:school_edit", args=[school.pk]), school_form)
        assert response.status_code == status, f"school edit {key} as {role}"
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
        assert response.status_code == status, f"campus edit {key} as {role}"
        decide_form = {"decision": "reject", "comment": "越权", "seen_submitted_at": campus.submitted_at.isoformat()}
        response = client.post(reverse("org:campus_decide", args=[campus.pk]), decide_form)
        assert response.status_code == status, f"campus decision {key} as {role}"

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


@pytest.mark.parametrize("role", READER_ROLES)
def test_api_school_list(world, client, login, role):
    login(world.users[role])
    response = client.get("/api/org/schools")
    assert response.status_code == 200
    expected = {world.schools[key].pk for key in SCOPE_TABLE[role][0]}
    assert {row["id"] for row in response.json()} == expected


@pytest.mark.parametrize("role", READER_ROLES)
def test_api_campus_list(world, client, login, role):
    login(world.users[role])
    response = client.get("/api/org/campuses")
    assert response.status_code == 200
    expected = {world.campuses[key].pk for key in CAMPUS_TABLE[role]}
    assert {row["id"] for row in response.json()} == expected


@pytest.mark.parametrize("role", READER_ROLES)
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


# Status of every org page and API endpoint per role. The targets are the 金水区 office,
# school and campus: in scope for the province, 郑州, 金水区 and the 金水区 school's own
# accounts, outside it for 洛阳, 中牟县, 偃师区 and the 中牟县 school's operator.
STATUS_ROLES = (
    "province",
    "zhengzhou",
    "luoyang",
    "jinshui",
    "zhongmou",
    "yanshi",
    "school_operator",
    "principal",
    "zhongmou_operator",
    "terminal",
    "student",
)
# endpoint -> (method, URL of the target), then one status per role in STATUS_ROLES order
ENDPOINTS = {
    "office_list": ("get", lambda world: reverse("org:office_list")),
    "office_create": ("get", lambda world: reverse("org:office_create")),
    "office_detail": ("get", lambda world: reverse("org:office_detail", args=[world.offices["jinshui"].pk])),
    "school_list": ("get", lambda world: reverse("org:school_list")),
    "school_create": ("get", lambda world: reverse("org:school_create")),
    "school_detail": ("get", lambda world: reverse("org:school_detail", args=[world.schools["jinshui"].pk])),
    "school_edit": ("get", lambda world: reverse("org:school_edit", args=[world.schools["jinshui"].pk])),
    "campus_list": ("get", lambda world: reverse("org:campus_list")),
    "campus_create": ("get", lambda world: reverse("org:campus_create")),
    "campus_review": ("get", lambda world: reverse("org:campus_review")),
    "campus_detail": ("get", lambda world: reverse("org:campus_detail", args=[world.campuses["jinshui"].pk])),
    "campus_edit": ("get", lambda world: reverse("org:campus_edit", args=[world.campuses["jinshui"].pk])),
    # An empty decision form: the province is sent back to the review page, nothing changes.
    "campus_decide": ("post", lambda world: reverse("org:campus_decide", args=[world.campuses["jinshui"].pk])),
    "user_list": ("get", lambda world: reverse("org:user_list")),
    "api_school_list": ("get", lambda world: "/api/org/schools"),
    "api_school_detail": ("get", lambda world: f"/api/org/schools/{world.schools['jinshui'].pk}"),
    "api_campus_list": ("get", lambda world: "/api/org/campuses"),
    "api_campus_detail": ("get", lambda world: f"/api/org/campuses/{world.campuses['jinshui'].pk}"),
}
# fmt: off
STATUS_TABLE = {
    #                    prov city city2 jins zhmo yans  oper prin zmop  term stud
    "office_list":       (200, 200, 200, 200, 200, 200,  403, 403, 403,  403, 403),
    "office_create":     (200, 200, 200, 403, 403, 403,  403, 403, 403,  403, 403),
    "office_detail":     (200, 200, 404, 200, 404, 404,  403, 403, 403,  403, 403),
    "school_list":       (200, 200, 200, 200, 200, 200,  200, 200, 200,  403, 403),
    "school_create":     (200, 200, 200, 200, 200, 200,  403, 403, 403,  403, 403),
    "school_detail":     (200, 200, 404, 200, 404, 404,  200, 200, 404,  403, 403),
    "school_edit":       (200, 200, 404, 200, 404, 404,  403, 403, 404,  403, 403),
    "campus_list":       (200, 200, 200, 200, 200, 200,  200, 200, 200,  403, 403),
    "campus_create":     (403, 403, 403, 403, 403, 403,  200, 403, 200,  403, 403),
    "campus_review":     (200, 403, 403, 403, 403, 403,  403, 403, 403,  403, 403),
    "campus_detail":     (200, 200, 404, 200, 404, 404,  200, 200, 404,  403, 403),
    "campus_edit":       (403, 403, 404, 403, 404, 404,  200, 403, 404,  403, 403),
    "campus_decide":     (302, 403, 404, 403, 404, 404,  403, 403, 404,  403, 403),
    "user_list":         (200, 200, 200, 200, 200, 200,  200, 200, 200,  403, 403),
    "api_school_list":   (200, 200, 200, 200, 200, 200,  200, 200, 200,  403, 403),
    "api_school_detail": (200, 200, 404, 200, 404, 404,  200, 200, 404,  403, 403),
    "api_campus_list":   (200, 200, 200, 200, 200, 200,  200, 200, 200,  403, 403),
    "api_campus_detail": (200, 200, 404, 200, 404, 404,  200, 200, 404,  403, 403),
}
# fmt: on


def test_status_table_covers_every_page():
    from aidface.org.urls import urlpatterns

    assert {pattern.name for pattern in urlpatterns} <= set(STATUS_TABLE)
    assert set(STATUS_TABLE) == set(ENDPOINTS)


def test_status_table_covers_every_api_operation():
    from aidface.org.api import router

    operations = set()
    for path, path_view in router.path_operations.items():
        for operation in path_view.operations:
            operations.update((path, method) for method in operation.methods)
    covered = {("/schools", "GET"), ("/schools/{school_id}", "GET"), ("/campuses", "GET"), ("/campuses/{campus_id}", "GET")}
    assert operations == covered


@pytest.mark.parametrize("role", STATUS_ROLES)
@pytest.mark.parametrize("endpoint", list(STATUS_TABLE))
def test_status_per_role(world, client, login, role, endpoint):
    login(world.users[role])
    method, url_of = ENDPOINTS[endpoint]
    url = url_of(world)
    expected = STATUS_TABLE[endpoint][STATUS_ROLES.index(role)]
    response = getattr(client, method)(url)
    assert response.status_code == expected, f"{method.upper()} {url} as {role}"


@pytest.mark.parametrize("role", ["student", "terminal"])
def test_forbidden_page_explains_in_chinese(world, client, login, role):
    login(world.users[role])
    response = client.get(reverse("org:campus_detail", args=[world.campuses["jinshui"].pk]))
    page = response.content.decode()
    assert "无权访问" in page
    assert "您的角色无权查看校区信息。" in page
    assert world.campuses["jinshui"].address not in page


def test_forbidden_api_explains_in_chinese(world, client, login):
    login(world.users["student"])
    response = client.get("/api/org/campuses")
    assert response.json() == {"detail": "您的角色无权查看校区信息。"}


def test_superuser_opens_office_list(world, client, login):
    from aidface.org.models import User

    admin = User.objects.create_superuser(username="admin", password="Admin-Ceshi-2026", role="")
    login(admin)
    assert client.get(reverse("org:office_list")).status_code == 200


# Navigation: each role is offered only org pages it may open, and every list page it may open.
ORG_LIST_PAGES = ("office_list", "school_list", "campus_list", "user_list")


@pytest.mark.parametrize("role", STATUS_ROLES)
def test_navigation_matches_status_table(world, role):
    from aidface.navigation import links_for

    offered = {link.url for link in links_for(world.users[role])}
    for endpoint in ORG_LIST_PAGES:
        url = reverse(f"org:{endpoint}")
        may_open = STATUS_TABLE[endpoint][STATUS_ROLES.index(role)] == 200
        assert (url in offered) == may_open, f"{endpoint} for {role}"
