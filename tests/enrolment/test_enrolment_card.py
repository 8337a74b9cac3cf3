"""The server checks the card data again: ID number, expiry, roster match, chip photo."""
import base64

import pytest

import enrolment_faces
from enrolment_support import ON_TIME, make_student

pytestmark = pytest.mark.django_db


def read(flow, student, photo, **card):
    from aidface.enrolment import services

    data = enrolment_faces.card_data(name=student.name, id_value=student.id_number, photo=photo, **card)
    return services.start_from_card(terminal=flow.terminal, card_data=data, now=ON_TIME)


def refused_code(call) -> str:
    from aidface.enrolment.card import CardError
    from aidface.enrolment.services import EnrolmentError

    with pytest.raises((CardError, EnrolmentError)) as caught:
        call()
    return caught.value.code


def test_card_starts_enrolment(flow, student, chip):
    reading = read(flow, student, chip)
    assert reading.student == student
    assert reading.enrolment.state == "in_progress"
    assert reading.guardian_consent_required is False


def test_card_stores_chip_photo_encrypted(flow, student, chip):
    from aidface.enrolment import storage

    reading = read(flow, student, chip)
    stored = reading.enrolment.photos.get(kind="chip")
    assert bytes(stored.content) != chip
    assert storage.open_photo(stored) == chip


def test_card_accepts_jpeg_chip_photo(flow, student, person):
    jpeg = enrolment_faces.chip_photo(person.chip_source, image_format="JPEG")
    assert read(flow, student, jpeg).enrolment.photos.get(kind="chip").content_type == "image/jpeg"


def test_expired_card_rejected(flow, student, chip):
    assert refused_code(lambda: read(flow, student, chip, valid_until="2026-03-09")) == "card_expired"


def test_card_without_expiry_accepted(flow, student, chip):
    assert read(flow, student, chip, valid_until="长期").enrolment.card_valid_until is None


def test_name_mismatch_rejected(flow, student, chip):
    from aidface.enrolment import services

    data = enrolment_faces.card_data(name="陈晓东", id_value=student.id_number, photo=chip)
    assert refused_code(lambda: services.start_from_card(terminal=flow.terminal, card_data=data, now=ON_TIME)) == "name_mismatch"


def test_bad_check_digit_rejected(flow, student, chip):
    from aidface.enrolment import services

    wrong = student.id_number[:17] + ("0" if student.id_number[17] != "0" else "1")
    data = enrolment_faces.card_data(name=student.name, id_value=wrong, photo=chip)
    assert refused_code(lambda: services.start_from_card(terminal=flow.terminal, card_data=data, now=ON_TIME)) == "invalid_id_number"


def test_birth_date_must_match_id_number(flow, student, chip):
    assert refused_code(lambda: read(flow, student, chip, birth_date="2006-03-16")) == "card_inconsistent"


def test_student_not_on_roster_rejected(flow, org_tree, chip):
    stranger = make_student(org_tree.county_school, name="王强", birth="20070101", sequence="211")
    stranger.delete()
    assert refused_code(lambda: read(flow, stranger, chip)) == "not_on_roster"


def test_other_schools_student_not_found(flow, org_tree, chip):
    outsider = make_student(org_tree.other_county_school, name="赵刚", birth="20070101", sequence="213")
    assert refused_code(lambda: read(flow, outsider, chip)) == "not_on_roster"


def test_unreadable_chip_photo_rejected(flow, student):
    from aidface.enrolment import services

    data = enrolment_faces.card_data(name=student.name, id_value=student.id_number, photo=b"not a photo")
    data["photo"] = base64.b64encode(b"not a photo").decode()
    assert refused_code(lambda: services.start_from_card(terminal=flow.terminal, card_data=data, now=ON_TIME)) == "chip_photo_unreadable"


def test_png_chip_photo_rejected(flow, student, person):
    png = enrolment_faces.chip_photo(person.chip_source, image_format="PNG")
    assert refused_code(lambda: read(flow, student, png)) == "chip_photo_unreadable"


def test_refused_read_audited(flow, student, chip):
    from aidface.audit.models import AuditEntry

    refused_code(lambda: read(flow, student, chip, valid_until="2020-01-01"))
    entry = AuditEntry.objects.get(action="enrolment.card_read")
    assert entry.outcome == "failure"
    assert entry.detail == {"code": "card_expired"}


def test_office_staff_cannot_read_cards(org_tree, student, chip):
    from django.core.exceptions import PermissionDenied

    from aidface.enrolment import services

    data = enrolment_faces.card_data(name=student.name, id_value=student.id_number, photo=chip)
    with pytest.raises(PermissionDenied):
        services.start_from_card(terminal=org_tree.users["county"], card_data=data, now=ON_TIME)
