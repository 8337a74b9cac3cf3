"""Encryption at rest for photos and face templates (AES-256-GCM).

Blob layout: b"AFE1" | key-id length (1 byte) | key id (ASCII) | 12-byte nonce |
ciphertext with the 16-byte GCM tag. The header is authenticated together with the
caller's associated data, such as "student:123:photo", so a blob fails to decrypt under
another record's associated data or with an edited key id.

Keys come from the environment:
    AIDFACE_DATA_KEYS="2026a:<base64 of 32 bytes>,2027a:<base64 of 32 bytes>"
    AIDFACE_DATA_KEY_ID=2027a   (the key new blobs are written with)
Old keys stay listed until `reencrypt` has moved every blob to the active key.
Without AIDFACE_DATA_KEYS (development), one key with id "dev" is generated into
<var dir>/data_key with mode 0600 and reused. To keep those blobs readable in
production, list that file's line in AIDFACE_DATA_KEYS.
"""
import base64
import binascii
import logging
import os
import re
import secrets
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

logger = logging.getLogger(__name__)

MAGIC = b"AFE1"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 32
DEV_KEY_ID = "dev"
DEV_KEY_FILE = "data_key"
_KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_REPO_DIR = Path(__file__).resolve().parents[2]


class CryptoError(Exception):
    """Base class for encryption errors."""


class KeyConfigError(CryptoError):
    """The key settings in the environment or the development key file are invalid."""


class UnknownKeyError(CryptoError):
    """A blob names a key id that the key ring does not contain."""


class DecryptionError(CryptoError):
    """A blob is malformed, was altered, or belongs to other associated data."""


@dataclass(frozen=True)
class KeyRing:
    """The data keys by id and the id that new blobs are encrypted with."""

    keys: Mapping[str, bytes] = field(repr=False)
    active_id: str
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for key_id, key in self.keys.items():
            _check_key_id(key_id)
            if len(key) != KEY_BYTES:
                raise KeyConfigError(f"data key {key_id!r} has {len(key)} bytes, but AES-256 needs {KEY_BYTES}")
        if self.active_id not in self.keys:
            raise KeyConfigError(f"active data key id {self.active_id!r} is not among the keys {sorted(self.keys)}")

    def encrypt(self, plaintext: bytes, *, associated_data: str) -> bytes:
        """Encrypt with the active key and a fresh random nonce."""
        header = _header(self.active_id)
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._cipher(self.active_id).encrypt(nonce, plaintext, _aad(header, associated_data))
        return header + nonce + sealed

    def decrypt(self, blob: bytes, *, associated_data: str) -> bytes:
        """Decrypt a blob. Raises UnknownKeyError or DecryptionError."""
        key_id, header_end = _parse_header(blob)
        if key_id not in self.keys:
            raise UnknownKeyError(f"blob was encrypted with data key {key_id!r}, which is not in AIDFACE_DATA_KEYS")
        header = blob[:header_end]
        nonce = blob[header_end : header_end + NONCE_BYTES]
        sealed = blob[header_end + NONCE_BYTES :]
        try:
            return self._cipher(key_id).decrypt(nonce, sealed, _aad(header, associated_data))
        except InvalidTag:
            raise DecryptionError(
                f"blob failed authentication under data key {key_id!r}: it was altered or belongs to another record"
            ) from None

    def reencrypt(self, blob: bytes, *, associated_data: str) -> bytes:
        """Return the blob encrypted with the active key, or the same blob if it already is.

        Decrypting first means a tampered blob raises here instead of being rewrapped.
        """
        plaintext = self.decrypt(blob, associated_data=associated_data)
        if key_id_of(blob) == self.active_id:
            return blob
        return self.encrypt(plaintext, associated_data=associated_data)

    def _cipher(self, key_id: str) -> AESGCM:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            cipher = self._ciphers[key_id] = AESGCM(self.keys[key_id])
        return cipher


def key_id_of(blob: bytes) -> str:
    """Return the id of the key a blob was encrypted with. Raises DecryptionError."""
    return _parse_header(blob)[0]


def generate_key() -> str:
    """Return a new random AES-256 key in base64, for AIDFACE_DATA_KEYS."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def keyring_from_env(environ: Mapping[str, str] | None = None, *, var_dir: Path | None = None) -> KeyRing:
    """Build the key ring from AIDFACE_DATA_KEYS and AIDFACE_DATA_KEY_ID.

    Without AIDFACE_DATA_KEYS it uses (and if needed creates) the development key file
    under `var_dir`, by default AIDFACE_VAR_DIR or <repo>/var, and logs a warning.
    Raises KeyConfigError on invalid settings.
    """
    environ = os.environ if environ is None else environ
    listed = environ.get("AIDFACE_DATA_KEYS", "").strip()
    active_id = environ.get("AIDFACE_DATA_KEY_ID", "").strip()
    if listed:
        keys = _parse_key_list(listed, source="AIDFACE_DATA_KEYS")
        if not active_id:
            if len(keys) > 1:
                raise KeyConfigError(
                    "AIDFACE_DATA_KEYS lists several keys, so set AIDFACE_DATA_KEY_ID to the active one"
                )
            active_id = next(iter(keys))
        return KeyRing(keys=keys, active_id=active_id)
    if active_id:
        raise KeyConfigError(f"AIDFACE_DATA_KEY_ID is {active_id!r} but AIDFACE_DATA_KEYS is empty. Set both")

    if var_dir is None:
        var_dir = Path(environ.get("AIDFACE_VAR_DIR") or _REPO_DIR / "var")
    key_file = var_dir / DEV_KEY_FILE
    logger.warning(
        "AIDFACE_DATA_KEYS is not set: photos and templates are encrypted with the development key in %s. "
        "Set AIDFACE_DATA_KEYS and AIDFACE_DATA_KEY_ID in production.",
        key_file,
    )
    keys = _parse_key_list(_read_or_create_dev_key(key_file), source=str(key_file))
    return KeyRing(keys=keys, active_id=DEV_KEY_ID)


@cache
def default_keyring() -> KeyRing:
    """Return the process-wide key ring from the environment, built on first use."""
    return keyring_from_env()


def encrypt(plaintext: bytes, *, associated_data: str, keyring: KeyRing | None = None) -> bytes:
    """Encrypt with the active key of `keyring`, by default the environment's."""
    return (keyring or default_keyring()).encrypt(plaintext, associated_data=associated_data)


def decrypt(blob: bytes, *, associated_data: str, keyring: KeyRing | None = None) -> bytes:
    """Decrypt with `keyring`, by default the environment's. Raises UnknownKeyError or DecryptionError."""
    return (keyring or default_keyring()).decrypt(blob, associated_data=associated_data)


def reencrypt(blob: bytes, *, associated_data: str, keyring: KeyRing | None = None) -> bytes:
    """Move a blob to the active key of `keyring`, by default the environment's."""
    return (keyring or default_keyring()).reencrypt(blob, associated_data=associated_data)


def _header(key_id: str) -> bytes:
    encoded = key_id.encode("ascii")
    return MAGIC + bytes([len(encoded)]) + encoded


def _aad(header: bytes, associated_data: str) -> bytes:
    if not associated_data:
        raise ValueError("associated_data must name the record the blob belongs to, e.g. 'student:123:photo'")
    # The header's length byte makes the split between header and caller data unambiguous.
    return header + associated_data.encode("utf-8")


def _parse_header(blob: bytes) -> tuple[str, int]:
    """Return (key id, offset of the nonce). Raises DecryptionError on a malformed header."""
    if not blob.startswith(MAGIC):
        raise DecryptionError("data is not an aidface encrypted blob (it does not start with AFE1)")
    if len(blob) < len(MAGIC) + 1:
        raise DecryptionError("encrypted blob is truncated inside its header")
    length = blob[len(MAGIC)]
    header_end = len(MAGIC) + 1 + length
    if len(blob) < header_end + NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("encrypted blob is truncated")
    try:
        key_id = blob[len(MAGIC) + 1 : header_end].decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError("encrypted blob has a key id that is not ASCII") from None
    if not _KEY_ID_PATTERN.fullmatch(key_id):
        raise DecryptionError(f"encrypted blob has an invalid key id {key_id!r}")
    return key_id, header_end


def _check_key_id(key_id: str) -> None:
    if not _KEY_ID_PATTERN.fullmatch(key_id):
        raise KeyConfigError(f"data key id {key_id!r} is invalid. Use 1 to 64 letters, digits, '_', '.' or '-'")


def _parse_key_list(text: str, *, source: str) -> dict[str, bytes]:
    """Parse "id:base64,id:base64" into a dict. Raises KeyConfigError naming the entry."""
    keys: dict[str, bytes] = {}
    for position, entry in enumerate(text.split(","), start=1):
        entry = entry.strip()
        key_id, separator, encoded = entry.partition(":")
        if not separator or not key_id:
            raise KeyConfigError(f"entry {position} of {source} is not in the form id:base64key")
        _check_key_id(key_id)
        if key_id in keys:
            raise KeyConfigError(f"data key id {key_id!r} appears twice in {source}")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error:
            raise KeyConfigError(f"data key {key_id!r} in {source} is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise KeyConfigError(f"data key {key_id!r} in {source} has {len(key)} bytes, but AES-256 needs {KEY_BYTES}")
        keys[key_id] = key
    return keys


def _read_or_create_dev_key(key_file: Path) -> str:
    """Return the development key line, creating the file with mode 0600 if it is missing."""
    key_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once cannot both write a key.
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = key_file.stat().st_mode & 0o777
        if mode & 0o077:
            raise KeyConfigError(
                f"development data key {key_file} is readable by other users (mode {mode:o}). Run chmod 600 on it"
            ) from None
        return key_file.read_text(encoding="ascii").strip()
    line = f"{DEV_KEY_ID}:{generate_key()}"
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(line + "\n")
    logger.warning("Generated a development data key in %s", key_file)
    return line
