"""The formal document: type read from the bytes, size limit, encryption at rest."""
import pytest

from appeals_support import at, draft, image_bytes, month_result, pdf_bytes

IN_WINDOW = at(2026, 12, 3, 10)


@pytest.fixture
def november(world):
    month_result(world.absent, 2026, 11, "absent")
    return world


@pytest.mark.parametrize(
    ("content", "name", "content_type", "stored_name"),
    [
        (pdf_bytes(), "申诉函.jpg", "application/pdf", "申诉函.pdf"),
        (image_bytes("PNG"), "scan.pdf", "image/png", "scan.png"),
        (image_bytes("JPEG"), "../../etc/photo", "image/jpeg", "photo.jpg"),
    ],
)
def test_type_from_bytes(november, content, name, content_type, stored_name):
    appeal = draft(november, "month:2026-11", [november.absent], now=IN_WINDOW, document=content, name=name)

    assert appeal.document_type == content_type
    assert appeal.document_name == stored_name
    assert appeal.document_size == len(content)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "document_missing"),
        (b"<html>%PDF-1.4</html>", "document_type"),
        ("申诉说明".encode(), "document_type"),
        (b"GIF89a" + bytes(40), "document_type"),
        (image_bytes("PNG")[:60], "document_unreadable"),
        (b"%PDF-1.4\n" + bytes(10 * 1024 * 1024), "document_too_large"),
    ],
)
def test_bad_document_refused(november, content, code):
    from aidface.appeals.errors import AppealError
    from aidface.appeals.models import Appeal

    with pytest.raises(AppealError) as raised:
        draft(november, "month:2026-11", [november.absent], now=IN_WINDOW, document=content, name="申诉函.pdf")

    assert raised.value.code == code
    assert not Appeal.objects.exists()


def test_document_encrypted_at_rest(november):
    from aidface import crypto
    from aidface.appeals.documents import open_document
    from aidface.appeals.models import Appeal

    content = pdf_bytes()
    appeal = draft(november, "month:2026-11", [november.absent], now=IN_WINDOW, document=content)
    stored = Appeal.objects.get(pk=appeal.pk)

    assert content not in bytes(stored.document)
    assert stored.document_key_id == crypto.key_id_of(bytes(stored.document))
    assert open_document(stored) == content


def test_document_bound_to_its_appeal(november):
    from aidface import crypto
    from aidface.appeals.documents import open_document
    from aidface.appeals.models import Appeal

    month_result(november.failed, 2026, 11, "failed")
    first = draft(november, "month:2026-11", [november.absent], now=IN_WINDOW)
    second = draft(november, "month:2026-11", [november.failed], now=IN_WINDOW)
    Appeal.objects.filter(pk=second.pk).update(document=Appeal.objects.get(pk=first.pk).document)

    with pytest.raises(crypto.CryptoError):
        open_document(Appeal.objects.get(pk=second.pk))
