"""The formal document of an appeal (正式行文): type checks and encryption at rest.

The type is read from the leading bytes, never from the file name or the browser's
content type: a PDF starts with "%PDF-", a JPEG with FF D8 FF and a PNG with its
8-byte signature. Images are also decoded once, so a truncated or disguised file is
rejected before it is stored.
"""
import hashlib
import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from aidface import crypto
from aidface.appeals.errors import AppealError
from aidface.appeals.models import Appeal

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@dataclass(frozen=True)
class CheckedDocument:
    content: bytes
    content_type: str
    name: str
    sha256: str


def sniff_type(content: bytes) -> str | None:
    """Return the content type named by the leading bytes, or None for any other file."""
    if content.startswith(PDF_MAGIC):
        return "application/pdf"
    if content.startswith(JPEG_MAGIC):
        return "image/jpeg"
    if content.startswith(PNG_MAGIC):
        return "image/png"
    return None


def check_document(content: bytes, name: str) -> CheckedDocument:
    """Return the document with its type from its bytes; raise AppealError for an empty, large or unknown file."""
    if not content:
        raise AppealError("document_missing", "请上传加盖公章、校长签字的正式行文（PDF 或图片）")
    if len(content) > MAX_DOCUMENT_BYTES:
        size_mb = len(content) / 1024 / 1024
        raise AppealError(
            "document_too_large",
            f"正式行文文件为 {size_mb:.1f} MB，超过 {MAX_DOCUMENT_BYTES // 1024 // 1024} MB 的上限，请压缩文件或降低扫描分辨率后重新上传",
        )
    content_type = sniff_type(content)
    if content_type is None:
        raise AppealError("document_type", "正式行文只能是 PDF、JPEG 或 PNG 文件，请扫描或拍照后重新上传")
    if content_type != "application/pdf":
        _check_image(content)
    return CheckedDocument(
        content=content,
        content_type=content_type,
        name=_safe_name(name, content_type),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _check_image(content: bytes) -> None:
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise AppealError("document_unreadable", "正式行文图片已损坏或不完整，无法打开，请重新扫描或拍照后上传") from None


def _safe_name(name: str, content_type: str) -> str:
    """Return the base name without path parts, with the extension that matches the detected type."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "正式行文"
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem[:200]}.{EXTENSIONS[content_type]}"


def seal_document(appeal: Appeal, document: CheckedDocument) -> None:
    """Encrypt the document into the saved appeal row; the associated data names the row's id."""
    blob = crypto.encrypt(document.content, associated_data=appeal.document_associated_data)
    appeal.document = blob
    appeal.document_key_id = crypto.key_id_of(blob)
    appeal.save(update_fields=["document", "document_key_id"])


def open_document(appeal: Appeal) -> bytes:
    """Decrypt the document. Raises aidface.crypto.CryptoError when the blob was altered or moved."""
    return crypto.decrypt(bytes(appeal.document), associated_data=appeal.document_associated_data)
