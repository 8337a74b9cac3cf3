"""The database-backed nonce store used for liveness challenges."""
from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.django_db

EXPIRES = datetime(2030, 1, 1, tzinfo=UTC)


def issued(nonce: str):
    from aidface.enrolment.models import LivenessChallenge

    now = datetime.now(UTC)
    return LivenessChallenge.objects.create(nonce=nonce, actions=["turn_left", "turn_right"], issued_at=now, expires_at=now + timedelta(seconds=90))


def test_issued_nonce_consumed_once():
    from aidface.enrolment.nonces import DatabaseNonceStore

    issued("abc")
    store = DatabaseNonceStore()
    assert store.consume("abc", expires_at=EXPIRES) is True
    assert store.consume("abc", expires_at=EXPIRES) is False


def test_unknown_nonce_remembered():
    from aidface.enrolment.nonces import DatabaseNonceStore

    store = DatabaseNonceStore()
    assert store.consume("from-elsewhere", expires_at=EXPIRES) is True
    assert store.consume("from-elsewhere", expires_at=EXPIRES) is False


def test_second_store_sees_used_nonce():
    from aidface.enrolment.nonces import DatabaseNonceStore

    issued("shared")
    DatabaseNonceStore().consume("shared", expires_at=EXPIRES)
    assert DatabaseNonceStore().consume("shared", expires_at=EXPIRES) is False
