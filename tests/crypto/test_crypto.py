"""Encryption at rest: AES-256-GCM blobs with a key id and record binding."""
import base64
import logging
import os
import stat
from pathlib import Path

import pytest

from aidface import crypto
from aidface.crypto import DecryptionError, KeyConfigError, KeyRing, UnknownKeyError

FACES_DIR = Path(os.environ.get("AIDFACE_FACES_DIR", Path(__file__).resolve().parents[2] / ".." / "shared" / "faces"))
PHOTO_AD = "student:123:photo"


@pytest.fixture
def photo() -> bytes:
    path = FACES_DIR / "gallery" / "Abel_Pacheco" / "1.jpg"
    if not FACES_DIR.is_dir():
        pytest.skip(f"face photos not found in {FACES_DIR}; set AIDFACE_FACES_DIR")
    return path.read_bytes()


def ring(*ids: str, active: str | None = None) -> KeyRing:
    # Deterministic distinct keys per id, so two rings built with the same id agree.
    keys = {key_id: (key_id.encode() * 32)[:32] for key_id in ids}
    return KeyRing(keys=keys, active_id=active or ids[-1])


def test_round_trip_photo(photo):
    keyring = ring("k1")
    blob = keyring.encrypt(photo, associated_data=PHOTO_AD)
    assert keyring.decrypt(blob, associated_data=PHOTO_AD) == photo


def test_round_trip_empty_plaintext():
    keyring = ring("k1")
    assert keyring.decrypt(keyring.encrypt(b"", associated_data=PHOTO_AD), associated_data=PHOTO_AD) == b""


def test_blob_hides_plaintext(photo):
    blob = ring("k1").encrypt(photo, associated_data=PHOTO_AD)
    assert photo[:64] not in blob
    assert b"JFIF" not in blob


def test_blob_layout(photo):
    blob = ring("k1").encrypt(photo, associated_data=PHOTO_AD)
    assert blob[:4] == b"AFE1"
    assert crypto.key_id_of(blob) == "k1"
    assert len(blob) == 4 + 1 + 2 + 12 + len(photo) + 16


def test_fresh_nonce_each_time():
    keyring = ring("k1")
    first = keyring.encrypt(b"template", associated_data=PHOTO_AD)
    second = keyring.encrypt(b"template", associated_data=PHOTO_AD)
    assert first != second


@pytest.mark.parametrize("region", ["key_id", "nonce", "ciphertext", "tag"])
def test_tampering_detected(region, photo):
    keyring = ring("k1")
    blob = bytearray(keyring.encrypt(photo, associated_data=PHOTO_AD))
    offsets = {"key_id": 5, "nonce": 7 + 3, "ciphertext": 7 + 12 + 100, "tag": len(blob) - 1}
    blob[offsets[region]] ^= 0x01
    # Flipping a bit of "k1" gives "j1", an id the ring does not contain.
    expected = UnknownKeyError if region == "key_id" else DecryptionError
    with pytest.raises(expected):
        keyring.decrypt(bytes(blob), associated_data=PHOTO_AD)


def test_key_id_swap_detected():
    # Relabel a k1 blob as k2 (both keys present): the header is authenticated.
    keyring = ring("k1", "k2", active="k1")
    blob = keyring.encrypt(b"template", associated_data=PHOTO_AD)
    relabelled = blob.replace(b"\x02k1", b"\x02k2", 1)
    with pytest.raises(DecryptionError, match="altered or belongs to another record"):
        keyring.decrypt(relabelled, associated_data=PHOTO_AD)


def test_truncated_blob_rejected():
    keyring = ring("k1")
    blob = keyring.encrypt(b"template", associated_data=PHOTO_AD)
    with pytest.raises(DecryptionError, match="truncated"):
        keyring.decrypt(blob[:20], associated_data=PHOTO_AD)


def test_shortened_ciphertext_rejected():
    keyring = ring("k1")
    blob = keyring.encrypt(b"template bytes", associated_data=PHOTO_AD)
    with pytest.raises(DecryptionError):
        keyring.decrypt(blob[:-1], associated_data=PHOTO_AD)


def test_plain_data_rejected(photo):
    with pytest.raises(DecryptionError, match="not an aidface encrypted blob"):
        ring("k1").decrypt(photo, associated_data=PHOTO_AD)


@pytest.mark.parametrize("other", ["student:124:photo", "student:123:template", "student:123:photo ", "Student:123:photo"])
def test_wrong_associated_data(other):
    keyring = ring("k1")
    blob = keyring.encrypt(b"template", associated_data=PHOTO_AD)
    with pytest.raises(DecryptionError):
        keyring.decrypt(blob, associated_data=other)


def test_empty_associated_data_rejected():
    with pytest.raises(ValueError, match="associated_data"):
        ring("k1").encrypt(b"template", associated_data="")


def test_unknown_key_id():
    blob = ring("old").encrypt(b"template", associated_data=PHOTO_AD)
    with pytest.raises(UnknownKeyError, match="'old'"):
        ring("new").decrypt(blob, associated_data=PHOTO_AD)


def test_rotation_moves_blob_to_active_key(photo):
    old_blob = ring("2026a").encrypt(photo, associated_data=PHOTO_AD)
    rotating = ring("2026a", "2027a", active="2027a")
    new_blob = rotating.reencrypt(old_blob, associated_data=PHOTO_AD)
    assert crypto.key_id_of(new_blob) == "2027a"
    # Once every blob is moved, the old key can leave the ring.
    assert ring("2027a").decrypt(new_blob, associated_data=PHOTO_AD) == photo


def test_rotation_keeps_blob_on_active_key():
    keyring = ring("2027a")
    blob = keyring.encrypt(b"template", associated_data=PHOTO_AD)
    assert keyring.reencrypt(blob, associated_data=PHOTO_AD) == blob


def test_rotation_rejects_tampered_blob():
    old_blob = bytearray(ring("2026a").encrypt(b"template", associated_data=PHOTO_AD))
    old_blob[-1] ^= 0x80
    with pytest.raises(DecryptionError):
        ring("2026a", "2027a").reencrypt(bytes(old_blob), associated_data=PHOTO_AD)


def test_rotation_checks_associated_data():
    old_blob = ring("2026a").encrypt(b"template", associated_data=PHOTO_AD)
    with pytest.raises(DecryptionError):
        ring("2026a", "2027a").reencrypt(old_blob, associated_data="student:999:photo")


def test_keyring_repr_hides_keys():
    keyring = ring("k1")
    assert "k1k1" not in repr(keyring)


def env_keys(**keys: bytes) -> str:
    return ",".join(f"{key_id}:{base64.b64encode(key).decode()}" for key_id, key in keys.items())


def test_env_keys_and_active_id(tmp_path):
    environ = {"AIDFACE_DATA_KEYS": env_keys(a=b"a" * 32, b=b"b" * 32), "AIDFACE_DATA_KEY_ID": "a"}
    keyring = crypto.keyring_from_env(environ, var_dir=tmp_path)
    assert keyring.active_id == "a"
    assert set(keyring.keys) == {"a", "b"}
    assert not (tmp_path / crypto.DEV_KEY_FILE).exists()


def test_env_single_key_is_active(tmp_path):
    keyring = crypto.keyring_from_env({"AIDFACE_DATA_KEYS": env_keys(only=b"o" * 32)}, var_dir=tmp_path)
    assert keyring.active_id == "only"


def test_env_generated_key_round_trip(tmp_path):
    environ = {"AIDFACE_DATA_KEYS": f"k9:{crypto.generate_key()}", "AIDFACE_DATA_KEY_ID": "k9"}
    keyring = crypto.keyring_from_env(environ, var_dir=tmp_path)
    blob = keyring.encrypt(b"template", associated_data=PHOTO_AD)
    assert keyring.decrypt(blob, associated_data=PHOTO_AD) == b"template"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"AIDFACE_DATA_KEYS": env_keys(a=b"a" * 32, b=b"b" * 32)}, "set AIDFACE_DATA_KEY_ID"),
        ({"AIDFACE_DATA_KEYS": env_keys(a=b"a" * 32), "AIDFACE_DATA_KEY_ID": "z"}, "'z' is not among the keys"),
        ({"AIDFACE_DATA_KEY_ID": "a"}, "AIDFACE_DATA_KEYS is empty"),
        ({"AIDFACE_DATA_KEYS": env_keys(a=b"a" * 16)}, "16 bytes, but AES-256 needs 32"),
        ({"AIDFACE_DATA_KEYS": "a:not base64!"}, "not valid base64"),
        ({"AIDFACE_DATA_KEYS": "justbase64"}, "entry 1 of AIDFACE_DATA_KEYS"),
        ({"AIDFACE_DATA_KEYS": env_keys(a=b"a" * 32) + ",a:" + crypto.generate_key()}, "appears twice"),
        ({"AIDFACE_DATA_KEYS": "bad id:" + crypto.generate_key()}, "'bad id' is invalid"),
    ],
)
def test_env_invalid_settings(environ, message, tmp_path):
    with pytest.raises(KeyConfigError, match=message):
        crypto.keyring_from_env(environ, var_dir=tmp_path)


def test_dev_key_created_private(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="aidface.crypto"):
        keyring = crypto.keyring_from_env({}, var_dir=tmp_path)
    key_file = tmp_path / crypto.DEV_KEY_FILE
    assert keyring.active_id == "dev"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "AIDFACE_DATA_KEYS is not set" in caplog.text


def test_dev_key_reused(tmp_path):
    blob = crypto.keyring_from_env({}, var_dir=tmp_path).encrypt(b"template", associated_data=PHOTO_AD)
    again = crypto.keyring_from_env({}, var_dir=tmp_path)
    assert again.decrypt(blob, associated_data=PHOTO_AD) == b"template"


def test_dev_key_file_usable_in_env(tmp_path):
    # The file's line goes into AIDFACE_DATA_KEYS unchanged when moving to production keys.
    blob = crypto.keyring_from_env({}, var_dir=tmp_path).encrypt(b"template", associated_data=PHOTO_AD)
    line = (tmp_path / crypto.DEV_KEY_FILE).read_text().strip()
    production = crypto.keyring_from_env({"AIDFACE_DATA_KEYS": f"{line},p1:{crypto.generate_key()}", "AIDFACE_DATA_KEY_ID": "p1"})
    assert production.decrypt(blob, associated_data=PHOTO_AD) == b"template"


def test_dev_key_under_var_dir_env(tmp_path):
    crypto.keyring_from_env({"AIDFACE_VAR_DIR": str(tmp_path / "var")})
    assert (tmp_path / "var" / crypto.DEV_KEY_FILE).exists()


def test_dev_key_readable_by_others_rejected(tmp_path):
    crypto.keyring_from_env({}, var_dir=tmp_path)
    (tmp_path / crypto.DEV_KEY_FILE).chmod(0o644)
    with pytest.raises(KeyConfigError, match="chmod 600"):
        crypto.keyring_from_env({}, var_dir=tmp_path)


def test_module_functions_use_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("AIDFACE_DATA_KEYS", f"envkey:{crypto.generate_key()}")
    monkeypatch.setenv("AIDFACE_DATA_KEY_ID", "envkey")
    crypto.default_keyring.cache_clear()
    try:
        blob = crypto.encrypt(b"template", associated_data=PHOTO_AD)
        assert crypto.key_id_of(blob) == "envkey"
        assert crypto.decrypt(blob, associated_data=PHOTO_AD) == b"template"
    finally:
        crypto.default_keyring.cache_clear()
