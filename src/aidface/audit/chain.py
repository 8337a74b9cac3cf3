"""Canonical serialisation and hashing of audit entries, and chain verification."""
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64

# The fields covered by an entry's hash. Changing this tuple changes every hash, so entries
# written before the change would then fail verification.
HASHED_FIELDS = (
    "seq",
    "created_at",
    "user_id",
    "username",
    "role",
    "office_id",
    "school_id",
    "unit_name",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "outcome",
    "detail",
    "client_ip",
    "path",
    "prev_hash",
)


def canonical_timestamp(moment: datetime) -> str:
    """Format a timestamp in UTC with microseconds, the precision both databases keep."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_bytes(entry) -> bytes:
    """Serialise the hashed fields of an entry as sorted, compact UTF-8 JSON."""
    values = {name: getattr(entry, name) for name in HASHED_FIELDS}
    values["created_at"] = canonical_timestamp(entry.created_at)
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry) -> str:
    """Return the SHA-256 hex digest of the entry's canonical serialisation (prev_hash included)."""
    return hashlib.sha256(canonical_bytes(entry)).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """The first place where the chain does not hold: the entry's sequence number (or None) and why."""

    seq: int | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_chain(entries: Iterable, *, head_seq: int | None = None, head_hash: str | None = None) -> ChainReport:
    """Check entries in ascending `seq` order and return the first break.

    An entry breaks the chain when its sequence number does not follow the previous
    one (an entry was removed or moved), its `prev_hash` differs from the previous
    entry's hash, or its own hash does not match its content. When the head is given,
    the last entry must match it, which catches entries removed from the end.
    """
    expected_seq = 1
    previous_hash = GENESIS_HASH
    checked = 0

    for entry in entries:
        if entry.seq != expected_seq:
            return ChainReport(checked, ChainBreak(entry.seq, f"sequence number {entry.seq} where {expected_seq} was expected"))
        if entry.prev_hash != previous_hash:
            return ChainReport(checked, ChainBreak(entry.seq, "prev_hash does not match the hash of the previous entry"))
        if entry_hash(entry) != entry.hash:
            return ChainReport(checked, ChainBreak(entry.seq, "content does not match the stored hash"))
        checked += 1
        expected_seq += 1
        previous_hash = entry.hash

    last_seq = expected_seq - 1
    if head_seq is not None and head_seq != last_seq:
        return ChainReport(checked, ChainBreak(last_seq + 1, f"head expects {head_seq} entries but the chain ends at {last_seq}"))
    if head_hash is not None and head_hash != previous_hash:
        return ChainReport(checked, ChainBreak(last_seq or None, "the last entry's hash does not match the head"))
    return ChainReport(checked, None)
