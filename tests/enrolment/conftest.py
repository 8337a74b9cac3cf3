"""Fixtures for enrolment tests: a roster student, real chip photos and camera frames, a turns-only policy."""
from dataclasses import dataclass
from datetime import timedelta

import pytest

import enrolment_faces
from enrolment_support import ON_TIME, make_student

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def person(faces_dir):
    return enrolment_faces.person(faces_dir)


@pytest.fixture
def chip(person) -> bytes:
    return enrolment_faces.chip_photo(person.chip_source)


@pytest.fixture
def turns_only(org_tree):
    """Restrict liveness to the two turns, which still photos of a turned head can show."""
    from aidface.policy.models import PolicyOverride

    return PolicyOverride.objects.create(office=org_tree.province, key="liveness_actions", value=["turn_left", "turn_right"])


@pytest.fixture
def student(org_tree):
    """An adult student (born 2006) of the terminal's school."""
    return make_student(org_tree.county_school, birth="20060315")


@pytest.fixture
def minor(org_tree):
    """A student born 2010, so under 18 in 2026."""
    return make_student(org_tree.county_school, name="李明", birth="20100620", sequence="135")


@dataclass
class Flow:
    """Drives the terminal steps through the services, as the terminal page does."""

    terminal: object
    person: object

    def read_card(self, student, photo: bytes, *, now=ON_TIME, **card):
        from aidface.enrolment import services

        data = enrolment_faces.card_data(name=student.name, id_value=student.id_number, photo=photo, **card)
        return services.start_from_card(terminal=self.terminal, card_data=data, now=now)

    def consent(self, enrolment, *, now=ON_TIME, **guardian):
        from aidface.enrolment import services

        return services.record_consent(terminal=self.terminal, enrolment=enrolment, student_consents=True, now=now, **guardian)

    def capture(self, enrolment, *, now=ON_TIME, frames=None):
        from aidface.enrolment import services

        challenge = services.issue_challenge(terminal=self.terminal, enrolment=enrolment, now=now)
        frames = frames if frames is not None else enrolment_faces.turn_frames(self.person)
        return services.submit_capture(
            terminal=self.terminal,
            enrolment=enrolment,
            nonce=challenge.nonce,
            frames=frames,
            now=now + timedelta(seconds=8),
        )

    def enrol(self, student, photo: bytes, *, now=ON_TIME, **guardian):
        reading = self.read_card(student, photo, now=now)
        self.consent(reading.enrolment, now=now, **guardian)
        return reading.enrolment, self.capture(reading.enrolment, now=now)


@pytest.fixture
def flow(org_tree, person, turns_only) -> Flow:
    return Flow(terminal=org_tree.users["terminal"], person=person)


@pytest.fixture
def login(client):
    def log_in(user):
        client.force_login(user, backend=MODEL_BACKEND)
        return client

    return log_in
