"""Hash chain verification: an intact chain passes; a tampered, deleted or reordered entry is named."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from aidface.audit import triggers
from aidface.audit.chain import GENESIS_HASH, entry_hash
from aidface.audit.models import AuditEntry
from aidface.audit.services import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(org_tree) -> list[AuditEntry]:
    """Five entries by different users, committed in one transaction as a service would."""
    users = [org_tree.users[key] for key in ("province", "county", "operator", "principal", "terminal")]
    with transaction.atomic():
        return [record(user=user, action="test.write", detail={"step": n, "note": "测试"}) for n, user in enumerate(users)]


def run_sql(sql: str, params: list | None = None) -> None:
    """Run SQL with the append-only triggers dropped, as someone with direct database access could."""
    triggers.remove(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params or [])
    finally:
        triggers.install(connection)


def verify_error() -> CommandError:
    with pytest.raises(CommandError) as error:
        call_command("verify_audit")
    return error.value


def test_entries_link_to_previous(chain):
    assert chain[0].prev_hash == GENESIS_HASH
    for previous, entry in zip(chain, chain[1:]):
        assert entry.prev_hash == previous.hash


def test_sequence_numbers_consecutive(chain):
    assert [entry.seq for entry in chain] == [1, 2, 3, 4, 5]


def test_stored_hash_matches_database_content(chain):
    for stored in AuditEntry.objects.order_by("seq"):
        assert entry_hash(stored) == stored.hash


def test_verify_intact_chain(chain, capsys):
    call_command("verify_audit")
    assert "5 entries verified" in capsys.readouterr().out


def test_verify_empty_log(db, capsys):
    call_command("verify_audit")
    assert "0 entries verified" in capsys.readouterr().out


def test_verify_names_tampered_entry(chain):
    run_sql("UPDATE audit_auditentry SET username = %s WHERE seq = 3", ["someone_else"])
    error = verify_error()
    assert "entry #3" in str(error)
    assert "content does not match" in str(error)


def test_verify_exits_nonzero_when_broken(chain):
    run_sql("UPDATE audit_auditentry SET outcome = 'failure' WHERE seq = 2")
    assert verify_error().returncode == 1


def test_verify_detects_rehashed_tampering(chain):
    # Recomputing the tampered entry's own hash still breaks the link to the next entry.
    tampered = AuditEntry.objects.get(seq=2)
    tampered.action = "test.changed"
    run_sql("UPDATE audit_auditentry SET action = %s, hash = %s WHERE seq = 2", [tampered.action, entry_hash(tampered)])
    error = verify_error()
    assert "entry #3" in str(error)
    assert "prev_hash" in str(error)


def test_verify_names_entry_after_deleted(chain):
    run_sql("DELETE FROM audit_auditentry WHERE seq = 2")
    error = verify_error()
    assert "entry #3" in str(error)
    assert "where 2 was expected" in str(error)


def test_verify_detects_deleted_last_entry(chain):
    run_sql("DELETE FROM audit_auditentry WHERE seq = 5")
    assert "entry #5" in str(verify_error())


def test_verify_detects_renumbered_deletion(chain):
    # Closing the gap after a deletion keeps the numbers consecutive but not the hashes.
    run_sql("DELETE FROM audit_auditentry WHERE seq = 2")
    for seq in (3, 4, 5):
        run_sql("UPDATE audit_auditentry SET seq = %s WHERE seq = %s", [seq - 1, seq])
    assert "entry #2" in str(verify_error())


def test_verify_names_reordered_entry(chain):
    # Swap the positions of entries 2 and 3 (through a free number, because seq is unique).
    run_sql("UPDATE audit_auditentry SET seq = 1000 WHERE seq = 2")
    run_sql("UPDATE audit_auditentry SET seq = 2 WHERE seq = 3")
    run_sql("UPDATE audit_auditentry SET seq = 3 WHERE seq = 1000")
    error = verify_error()
    assert "entry #2" in str(error)


def test_rolled_back_record_leaves_no_gap(org_tree):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            record(user=org_tree.users["county"], action="test.rolled_back")
            raise RuntimeError("the change failed")
    with transaction.atomic():
        entry = record(user=org_tree.users["county"], action="test.kept")
    assert entry.seq == 1
    call_command("verify_audit")


def test_detail_dates_stored_as_text(org_tree):
    with transaction.atomic():
        entry = record(
            user=org_tree.users["county"],
            action="test.dated",
            detail={"month": date(2026, 3, 1), "amount": Decimal("1000.50")},
        )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.detail == {"month": "2026-03-01", "amount": "1000.50"}
    assert entry_hash(stored) == stored.hash


def test_record_rejects_unknown_outcome(org_tree):
    with pytest.raises(ValueError, match="unknown audit outcome"):
        record(user=org_tree.users["county"], action="test.write", outcome="ok")
