"""Append-only, hash-chained audit log of every write and every read or export of personal data."""
