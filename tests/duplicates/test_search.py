"""The 1:N search at enrolment, with galleries made from real photos."""
import pytest

import duplicate_faces

pytestmark = pytest.mark.django_db

FRAUDSTER = "cnceleb_103"
# Two photos of one man whose galleries are 0.152 apart: within the school threshold
# (0.20) but not the province-wide one (0.14).
LOOK_ALIKE_PHOTOS = ("cnceleb_008", 4, 3)


@pytest.fixture
def fraudster_first(faces):
    """The gallery of the first, genuine enrolment: own chip photo and two camera frames."""
    return duplicate_faces.gallery(
        chip=faces.photo(FRAUDSTER, 2), frames=[faces.photo(FRAUDSTER, 4), faces.photo(FRAUDSTER, 3)], seed=1
    )


@pytest.fixture
def fraudster_second(faces):
    """The same face at a terminal again, under another person's ID card (that person's chip photo)."""
    return duplicate_faces.gallery(
        chip=faces.photo("cnceleb_106", 1), frames=[faces.photo(FRAUDSTER, 4), faces.photo(FRAUDSTER, 3)], seed=21
    )


@pytest.fixture
def other_person(faces):
    return duplicate_faces.gallery(
        chip=faces.photo("cnceleb_102", 1), frames=[faces.photo("cnceleb_102", 2), faces.photo("cnceleb_102", 3)], seed=5
    )


def test_same_face_same_school_opens_case(org_tree, enroller, fraudster_first, fraudster_second):
    from aidface.duplicates.models import DuplicateCase, SearchScope

    first = enroller.student(org_tree.county_school, "张伟")
    second = enroller.student(org_tree.county_school, "张卫")
    enroller.enrol(first, fraudster_first)
    enrolment = enroller.enrol(second, fraudster_second)

    case = DuplicateCase.objects.get()
    assert case.student == second
    assert case.matched_student == first
    assert case.search_scope == SearchScope.SCHOOL
    assert case.office == org_tree.gongyi
    assert case.distance < 0.1
    assert case.similarity > 90
    assert enrolment.state == "awaiting_duplicate_review"


def test_same_face_other_county_opens_province_case(org_tree, enroller, fraudster_first, fraudster_second):
    from aidface.duplicates.models import DuplicateCase, SearchScope

    first = enroller.student(org_tree.county_school, "张伟")
    second = enroller.student(org_tree.other_county_school, "张卫")
    enroller.enrol(first, fraudster_first)
    enrolment = enroller.enrol(second, fraudster_second)

    case = DuplicateCase.objects.get()
    assert case.search_scope == SearchScope.PROVINCE
    assert case.matched_student == first
    # Gongyi (under Zhengzhou) and Xin'an (under Luoyang) meet at the province office.
    assert case.office == org_tree.province
    assert enrolment.state == "awaiting_duplicate_review"


def test_two_counties_of_one_city_go_to_city(org_tree, enroller, fraudster_first, fraudster_second):
    from aidface.duplicates.models import DuplicateCase

    enroller.enrol(enroller.student(org_tree.county_school, "张伟"), fraudster_first)
    enroller.enrol(enroller.student(org_tree.city_school, "张卫"), fraudster_second)

    assert DuplicateCase.objects.get().office == org_tree.zhengzhou


def test_different_people_same_school_no_case(org_tree, enroller, fraudster_first, other_person):
    from aidface.duplicates.models import DuplicateCase

    enroller.enrol(enroller.student(org_tree.county_school, "张伟"), fraudster_first)
    enrolment = enroller.enrol(enroller.student(org_tree.county_school, "李强"), other_person)

    assert not DuplicateCase.objects.exists()
    assert enrolment.state == "enrolled"


def test_different_people_other_school_no_case(org_tree, enroller, fraudster_first, other_person):
    from aidface.duplicates.models import DuplicateCase

    enroller.enrol(enroller.student(org_tree.county_school, "张伟"), fraudster_first)
    enroller.enrol(enroller.student(org_tree.other_county_school, "李强"), other_person)

    assert not DuplicateCase.objects.exists()


@pytest.fixture
def look_alike(faces):
    """Two galleries of one man 0.152 apart, the second under another person's chip photo."""
    person, first_photo, second_photo = LOOK_ALIKE_PHOTOS
    first = duplicate_faces.gallery(chip=faces.photo(person, first_photo), frames=[faces.photo(person, first_photo)])
    second = duplicate_faces.gallery(chip=faces.photo("cnceleb_122", 1), frames=[faces.photo(person, second_photo)], seed=11)
    return first, second


def test_look_alike_same_school_opens_case(org_tree, enroller, look_alike):
    from aidface.duplicates.models import DuplicateCase, SearchScope
    from aidface.duplicates.thresholds import PROVINCE_MATCH_THRESHOLD, SCHOOL_MATCH_THRESHOLD

    enroller.enrol(enroller.student(org_tree.county_school, "王刚"), look_alike[0])
    enroller.enrol(enroller.student(org_tree.county_school, "王钢"), look_alike[1])

    case = DuplicateCase.objects.get()
    assert case.search_scope == SearchScope.SCHOOL
    assert PROVINCE_MATCH_THRESHOLD < case.distance <= SCHOOL_MATCH_THRESHOLD


def test_look_alike_other_school_no_case(org_tree, enroller, look_alike):
    """The province-wide threshold is stricter, so the same pair across schools opens nothing."""
    from aidface.duplicates.models import DuplicateCase

    enroller.enrol(enroller.student(org_tree.county_school, "王刚"), look_alike[0])
    enroller.enrol(enroller.student(org_tree.other_county_school, "王钢"), look_alike[1])

    assert not DuplicateCase.objects.exists()


def test_open_case_is_audited(org_tree, enroller, fraudster_first, fraudster_second):
    from aidface.audit.models import AuditEntry
    from aidface.duplicates.models import DuplicateCase

    enroller.enrol(enroller.student(org_tree.county_school, "张伟"), fraudster_first)
    enroller.enrol(enroller.student(org_tree.county_school, "张卫"), fraudster_second)

    entry = AuditEntry.objects.get(action="duplicate_case.open")
    assert entry.target_id == str(DuplicateCase.objects.get().pk)
    assert entry.office_id == org_tree.gongyi.pk


def test_third_identity_matches_both(org_tree, enroller, faces, fraudster_first, fraudster_second):
    from aidface.duplicates.models import DuplicateCase

    enroller.enrol(enroller.student(org_tree.county_school, "张伟"), fraudster_first)
    enroller.enrol(enroller.student(org_tree.county_school, "张卫"), fraudster_second)
    third = duplicate_faces.gallery(chip=faces.photo("cnceleb_101", 1), frames=[faces.photo(FRAUDSTER, 4)], seed=41)
    student = enroller.student(org_tree.county_school, "张威")
    enroller.enrol(student, third)

    assert DuplicateCase.objects.filter(student=student).count() == 2


def test_provisional_gallery_is_searched(org_tree, enroller, fraudster_first, fraudster_second):
    from aidface.duplicates.models import DuplicateCase

    enroller.enrol(enroller.student(org_tree.county_school, "张伟"), fraudster_first, state="provisional")
    enroller.enrol(enroller.student(org_tree.county_school, "张卫"), fraudster_second)

    assert DuplicateCase.objects.count() == 1


def test_expired_provisional_gallery_skipped(org_tree, enroller, fraudster_first, fraudster_second):
    from datetime import timedelta

    from django.utils import timezone

    from aidface.duplicates.models import DuplicateCase, IndexedDescriptor
    from aidface.enrolment.models import FaceTemplate

    enroller.enrol(enroller.student(org_tree.county_school, "张伟"), fraudster_first, state="provisional")
    yesterday = timezone.now() - timedelta(days=1)
    FaceTemplate.objects.update(valid_until=yesterday)
    IndexedDescriptor.objects.update(valid_until=yesterday)
    enroller.enrol(enroller.student(org_tree.county_school, "张卫"), fraudster_second)

    assert not DuplicateCase.objects.exists()


def test_gallery_of_other_model_rejected(org_tree, enroller, fraudster_first):
    from dataclasses import replace

    from aidface.duplicates import services
    from aidface.enrolment.selectors import gallery_descriptors

    enrolment = enroller.enrol(enroller.student(org_tree.county_school, "张伟"), fraudster_first)
    gallery = replace(gallery_descriptors(enrolment=enrolment), model_version="other-crop")
    with pytest.raises(ValueError, match="other-crop"):
        services.search_gallery(gallery=gallery)
