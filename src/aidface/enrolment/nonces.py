"""A database-backed NonceStore for the face engine's liveness challenges.

It works on any challenge table with `nonce`, `actions`, `issued_at`, `expires_at` and
`used_at` columns: enrolment's LivenessChallenge by default, the checks app's
CheckInChallenge for check-ins. The conditional UPDATE marks a nonce as used in one
statement, so of two concurrent requests with the same nonce only one changes a row,
on SQLite and on PostgreSQL.
"""
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from aidface.enrolment.models import LivenessChallenge


class DatabaseNonceStore:
    """Implements aidface.face.liveness.NonceStore on a challenge table."""

    def __init__(self, model: type[Model] = LivenessChallenge) -> None:
        self.model = model

    def consume(self, nonce: str, *, expires_at: datetime) -> bool:
        now = timezone.now()
        if self.model.objects.filter(nonce=nonce, used_at__isnull=True).update(used_at=now):
            return True
        if self.model.objects.filter(nonce=nonce).exists():
            return False

        # A nonce issued elsewhere (not by `issue_challenge` of this app) is remembered
        # from its first use on; the unique index rejects a concurrent second insert.
        try:
            with transaction.atomic():
                self.model.objects.create(
                    nonce=nonce, actions=[], issued_at=now, expires_at=expires_at, used_at=now
                )
        except IntegrityError:
            return False
        return True
