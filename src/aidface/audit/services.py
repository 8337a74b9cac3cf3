"""Writing audit entries.

Call `record` inside the same `transaction.atomic()` block as the change it records,
so the change and its entry commit or roll back together. Call it as the last step:
the chain head stays locked from `record` until the commit, and every other audited
write waits for that lock.
"""
import json
import logging

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from aidface.audit.chain import GENESIS_HASH, entry_hash
from aidface.audit.middleware import current_context
from aidface.audit.models import AuditEntry, AuditHead, Outcome

logger = logging.getLogger(__name__)

HEAD_ID = 1


def record(
    *,
    user,
    action: str,
    target: models.Model | None = None,
    target_repr: str = "",
    outcome: str = "success",
    detail: dict | None = None,
    office=None,
    school=None,
) -> AuditEntry:
    """Append one entry to the audit chain and return it.

    `user` may be None or anonymous, as for a failed login. `action` is a short dotted
    verb such as "campus.approve". `detail` must contain JSON values (dates, decimals
    and UUIDs are stored as strings), and never ID numbers or photos. `office` and
    `school` default to the user's own. Pass them to place an entry without an
    authenticated user in a jurisdiction.
    """
    if outcome not in Outcome.values:
        raise ValueError(f"unknown audit outcome {outcome!r}; expected one of {Outcome.values}")
    if not action:
        raise ValueError("audit action must not be empty")

    actor = user if user is not None and getattr(user, "is_authenticated", False) else None
    office = office if office is not None else getattr(actor, "office", None)
    school = school if school is not None else getattr(actor, "school", None)
    context = current_context()
    # A JSON round trip gives the stored form, so the hash computed now matches the one
    # recomputed from the database later. Dates, decimals and UUIDs become strings.
    detail = json.loads(json.dumps(detail or {}, cls=DjangoJSONEncoder, ensure_ascii=False))

    entry = AuditEntry(
        user=actor,
        username=actor.get_username() if actor else "",
        role=_role_of(actor),
        office=office,
        school=school,
        unit_name=_unit_name(office, school),
        action=action[:64],
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk)[:64] if target is not None and target.pk is not None else "",
        target_repr=(target_repr or (str(target) if target is not None else ""))[:255],
        outcome=outcome,
        detail=detail,
        client_ip=context.client_ip,
        path=context.path,
    )

    with transaction.atomic():
        head = _lock_head()
        entry.seq = head.seq
        entry.prev_hash = head.hash
        entry.created_at = timezone.now()
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
        AuditHead.objects.filter(pk=HEAD_ID).update(hash=entry.hash)

    logger.info("audit entry seq=%s action=%s user_id=%s outcome=%s", entry.seq, action, entry.user_id, outcome)
    return entry


def _lock_head() -> AuditHead:
    """Advance the head by one and return it with the new sequence number and the previous hash.

    The UPDATE comes before any read, so it takes the row lock (PostgreSQL) or the
    database write lock (SQLite) first and concurrent appends wait for this one to commit.
    """
    if not AuditHead.objects.filter(pk=HEAD_ID).update(seq=F("seq") + 1):
        _create_head()
        AuditHead.objects.filter(pk=HEAD_ID).update(seq=F("seq") + 1)
    return AuditHead.objects.get(pk=HEAD_ID)


def _create_head() -> None:
    """Create the missing head row, continuing from the last stored entry if there is one."""
    last = AuditEntry.objects.order_by("-seq").only("seq", "hash").first()
    AuditHead.objects.bulk_create(
        [AuditHead(id=HEAD_ID, seq=last.seq if last else 0, hash=last.hash if last else GENESIS_HASH)],
        ignore_conflicts=True,
    )


def _role_of(actor) -> str:
    if actor is None:
        return ""
    return getattr(actor, "role", "") or ("superuser" if actor.is_superuser else "")


def _unit_name(office, school) -> str:
    unit = school or office
    return str(unit)[:128] if unit is not None else ""
