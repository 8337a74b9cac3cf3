"""The 1:N index kept in step with the database: checkpoint file, catching up, reset and rebuild."""
import io
import json

import pytest
from django.core.management import call_command

import duplicate_faces

pytestmark = pytest.mark.django_db

FRAUDSTER = "cnceleb_103"


@pytest.fixture
def galleries(faces):
    """(first enrolment, the same face under another ID, another person)."""
    first = duplicate_faces.gallery(
        chip=faces.photo(FRAUDSTER, 2), frames=[faces.photo(FRAUDSTER, 4), faces.photo(FRAUDSTER, 3)], seed=1
    )
    second = duplicate_faces.gallery(chip=faces.photo("cnceleb_106", 1), frames=[faces.photo(FRAUDSTER, 4)], seed=21)
    other = duplicate_faces.gallery(chip=faces.photo("cnceleb_102", 1), frames=[faces.photo("cnceleb_102", 2)], seed=5)
    return first, second, other


def active_ids() -> set[int]:
    from aidface.duplicates.models import IndexedDescriptor

    return set(IndexedDescriptor.objects.filter(removed_at__isnull=True).values_list("id", flat=True))


def test_checkpoint_holds_committed_gallery(org_tree, enroller, galleries, face_index_file, django_capture_on_commit_callbacks):
    from aidface.duplicates.index_store import MODEL_KEY
    from aidface.face.index import FaceIndex

    with django_capture_on_commit_callbacks(execute=True):
        enroller.enrol(enroller.student(org_tree.county_school, "张伟"), galleries[0])

    saved = FaceIndex.load(face_index_file)
    assert saved.model_id == MODEL_KEY
    assert len(saved) == 3
    assert all(template_id in saved for template_id in active_ids())


def test_checkpoint_state_records_highest_id(org_tree, enroller, galleries, face_index_file, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enroller.enrol(enroller.student(org_tree.county_school, "张伟"), galleries[0])

    state = json.loads(face_index_file.with_name(face_index_file.name + ".json").read_text())
    assert state["highest_id"] == max(active_ids())


def test_new_process_catches_up(org_tree, enroller, galleries, face_index_file, django_capture_on_commit_callbacks):
    """Rows written after the checkpoint reach a process that loads the checkpoint later."""
    from aidface.duplicates.index_store import TemplateIndex, template_index

    with django_capture_on_commit_callbacks(execute=True):
        enroller.enrol(enroller.student(org_tree.county_school, "张伟"), galleries[0])
    template_index().save()
    enroller.enrol(enroller.student(org_tree.county_school, "李强"), galleries[2])

    index = TemplateIndex(face_index_file).synced()
    assert len(index) == 5
    assert all(template_id in index for template_id in active_ids())


def test_second_search_sees_first_gallery_in_new_process(org_tree, enroller, galleries):
    """A search in a process that has not seen the first enrolment still finds it."""
    from aidface.duplicates.index_store import forget_loaded
    from aidface.duplicates.models import DuplicateCase

    enroller.enrol(enroller.student(org_tree.county_school, "张伟"), galleries[0])
    forget_loaded()
    enroller.enrol(enroller.student(org_tree.other_county_school, "张卫"), galleries[1])

    assert DuplicateCase.objects.count() == 1


def test_reset_gallery_no_longer_matches(org_tree, enroller, galleries):
    from aidface.duplicates.models import DuplicateCase
    from aidface.enrolment.review import reset_enrolment

    first = enroller.enrol(enroller.student(org_tree.county_school, "张伟"), galleries[0])
    reset_enrolment(user=org_tree.users["county"], enrolment=first, reason="身份证号录入错误，重新采集。")
    enrolment = enroller.enrol(enroller.student(org_tree.county_school, "张卫"), galleries[1])

    assert not DuplicateCase.objects.exists()
    assert enrolment.state == "enrolled"


def test_forget_gallery_removes_from_index(org_tree, enroller, galleries, django_capture_on_commit_callbacks):
    from aidface.duplicates import services
    from aidface.duplicates.index_store import template_index
    from aidface.enrolment.models import FaceTemplate

    with django_capture_on_commit_callbacks(execute=True):
        first = enroller.enrol(enroller.student(org_tree.county_school, "张伟"), galleries[0])
    stored = active_ids()
    with django_capture_on_commit_callbacks(execute=True):
        removed = services.forget_gallery(template_id=FaceTemplate.objects.get(enrolment=first).pk)

    index = template_index().synced()
    assert removed == 3
    assert not any(template_id in index for template_id in stored)


def test_rebuild_command_writes_file(org_tree, enroller, galleries, face_index_file):
    from aidface.duplicates.index_store import forget_loaded
    from aidface.face.index import FaceIndex

    enroller.enrol(enroller.student(org_tree.county_school, "张伟"), galleries[0])
    enroller.enrol(enroller.student(org_tree.county_school, "李强"), galleries[2])
    face_index_file.unlink()
    forget_loaded()

    output = io.StringIO()
    call_command("rebuild_face_index", stdout=output)

    assert "indexed=5" in output.getvalue()
    assert len(FaceIndex.load(face_index_file)) == 5


def test_rebuild_restores_lost_rows(org_tree, enroller, galleries):
    """Rows lost from the table come back from the enrolment app's galleries."""
    from aidface.duplicates.models import DuplicateCase, IndexedDescriptor

    enroller.enrol(enroller.student(org_tree.county_school, "张伟"), galleries[0])
    IndexedDescriptor.objects.all().delete()
    call_command("rebuild_face_index", stdout=io.StringIO())
    enroller.enrol(enroller.student(org_tree.county_school, "张卫"), galleries[1])

    assert IndexedDescriptor.objects.filter(removed_at__isnull=True).count() == 5
    assert DuplicateCase.objects.count() == 1


def test_rebuild_drops_reset_gallery(org_tree, enroller, galleries):
    from aidface.duplicates.index_store import template_index
    from aidface.enrolment.review import reset_enrolment

    first = enroller.enrol(enroller.student(org_tree.county_school, "张伟"), galleries[0])
    stored = active_ids()
    reset_enrolment(user=org_tree.users["county"], enrolment=first, reason="重新采集。")
    call_command("rebuild_face_index", stdout=io.StringIO())

    assert active_ids() == set()
    assert not any(template_id in template_index().synced() for template_id in stored)


def test_rebuild_is_audited(org_tree, enroller, galleries):
    from aidface.audit.models import AuditEntry

    call_command("rebuild_face_index", stdout=io.StringIO())
    assert AuditEntry.objects.filter(action="face_index.rebuild").count() == 1


def test_index_out_of_step_is_rebuilt(org_tree, enroller, galleries):
    """An id the table does not hold (a rolled-back search) is dropped at the next catch-up."""
    from aidface.duplicates.index_store import template_index

    enroller.enrol(enroller.student(org_tree.county_school, "张伟"), galleries[0])
    store = template_index()
    store.synced().add(999_999, galleries[2][0], partition=org_tree.county_school.pk)

    index = store.synced()
    assert 999_999 not in index
    assert len(index) == 3
