"""Nobody can change or delete audit entries: neither through the model nor in SQL."""
import pytest
from django.db import DatabaseError, connection, transaction

from aidface.audit.models import AppendOnlyError, AuditEntry
from aidface.audit.services import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(org_tree) -> AuditEntry:
    with transaction.atomic():
        return record(user=org_tree.users["county"], action="test.write")


def test_model_save_rejected(entry):
    entry.action = "test.changed"
    with pytest.raises(AppendOnlyError):
        entry.save()


def test_model_delete_rejected(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_queryset_update_rejected(entry):
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="test.changed")


def test_queryset_delete_rejected(entry):
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()


def test_sql_update_rejected_by_trigger(entry):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditentry SET action = 'test.changed' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.write"


def test_sql_delete_rejected_by_trigger(entry):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_sql_insert_still_allowed(entry):
    with transaction.atomic():
        second = record(user=None, action="test.second")
    assert second.seq == entry.seq + 1
