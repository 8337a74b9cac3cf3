"""Fixtures for duplicate-search tests: a semester, roster students, real galleries and enrolments."""
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import duplicate_faces

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(sequence: int, *, region: str = "410181", birth: str = "20080315") -> str:
    """Build a valid ID number, computing the check character independently of the app."""
    first_17 = f"{region}{birth}{sequence:03d}"
    remainder = sum(int(digit) * weight for digit, weight in zip(first_17, WEIGHTS)) % 11
    return first_17 + "10X98765432"[remainder]


@dataclass(frozen=True)
class Faces:
    """Photo paths of the people the tests enrol."""

    folder: Path

    def photo(self, person: str, number: int) -> Path:
        matches = sorted(self.folder.joinpath(person).glob(f"{number}.*"))
        return matches[0]


@pytest.fixture
def faces(faces_dir) -> Faces:
    return Faces(faces_dir / "asian" / "gallery")


@dataclass
class Enroller:
    """Creates roster students and enrols them with real galleries through the enrolment app."""

    semester: object
    sequence: int = 100

    def student(self, school, name: str):
        from aidface.roster.models import AidStatus, Gender, Student

        self.sequence += 1
        value = id_number(self.sequence)
        return Student.objects.create(
            school=school,
            name=name,
            id_number=value,
            gender=Gender.MALE if int(value[16]) % 2 else Gender.FEMALE,
            student_number=f"G{value}",
            grade="2025级",
            class_name="机电1班",
            major="机电技术应用",
            aid_status=AidStatus.AIDED,
        )

    def enrol(self, student, descriptors: np.ndarray, *, chip: bytes = b"", live: bytes = b"", state: str = "enrolled"):
        """Store photos and the gallery as the terminal does, then finish as the enrolment app finishes.

        A provisional gallery is valid for 30 days.
        """
        from datetime import timedelta

        from django.db import transaction
        from django.utils import timezone

        from aidface.enrolment import galleries, storage
        from aidface.enrolment.models import Enrolment, EnrolmentPhoto, EnrolmentState, TemplateKind
        from aidface.face.descriptor import DEFAULT_MODEL

        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                student=student, school=student.school, semester=self.semester, started_at=timezone.now()
            )
            for kind, content in (("chip", chip), ("live", live)):
                if not content:
                    continue
                photo = EnrolmentPhoto.objects.create(
                    enrolment=enrolment, kind=kind, content=b"", key_id="", content_type="image/jpeg", created_at=timezone.now()
                )
                photo.content, photo.key_id = storage.seal(content, associated_data=photo.associated_data)
                photo.save(update_fields=["content", "key_id"])
            gallery = galleries.build_gallery(
                chip=descriptors[0], live=descriptors[1:], model_id=DEFAULT_MODEL.model_id, model_version=DEFAULT_MODEL.version
            )
            galleries.store_template(
                enrolment=enrolment,
                kind=TemplateKind.ENROLLED if state == EnrolmentState.ENROLLED else TemplateKind.PROVISIONAL,
                gallery=gallery,
                valid_until=None if state == EnrolmentState.ENROLLED else timezone.now() + timedelta(days=30),
            )
            galleries.finish_with_gallery(enrolment, state=state)
        enrolment.refresh_from_db()
        return enrolment


@pytest.fixture
def enroller(db) -> Enroller:
    from aidface.roster.models import Semester

    semester, _ = Semester.objects.get_or_create(year=2026, term="spring")
    return Enroller(semester=semester)


@pytest.fixture
def login(client):
    def log_in(user):
        client.force_login(user, backend=MODEL_BACKEND)
        return client

    return log_in
