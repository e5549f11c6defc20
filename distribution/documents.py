"""Supporting documents: what an upload is, decided by its content.

A name or a browser's Content-Type says nothing reliable, so the first bytes
decide (PDF, JPEG or PNG signatures), and the name's extension must agree with
them: a PDF named photo.jpg, an HTML page or a script is refused. Pillow is not
a dependency here; the signature check is all an image needs, because the file
is never rendered by us, only handed back, as an attachment, to the applicant
and zakat staff."""

from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_DOCUMENTS = 10

_SIGNATURES = (
    (b"%PDF-", "application/pdf", {".pdf"}),
    (b"\xff\xd8\xff", "image/jpeg", {".jpg", ".jpeg"}),
    (b"\x89PNG\r\n\x1a\n", "image/png", {".png"}),
)


@dataclass(frozen=True)
class CheckedDocument:
    upload: object
    name: str
    content_type: str
    size: int


def _clean_name(name: str) -> str:
    base = PurePath(str(name or "document").replace("\\", "/")).name.strip() or "document"
    return "".join(ch for ch in base if ch.isprintable() and ch not in '"<>')[:200]


def check_document(upload, *, field: str = "documents") -> CheckedDocument:
    """The upload's content type (PDF, JPEG, PNG by its first bytes), or a 400
    naming `field`: too large, of another type, or named as something it is not."""
    size = getattr(upload, "size", None) or 0
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationError({field: ["A document may be at most 5 MB."]})
    if size == 0:
        raise ValidationError({field: ["The document is empty."]})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    name = _clean_name(getattr(upload, "name", ""))
    extension = PurePath(name).suffix.lower()
    for signature, content_type, extensions in _SIGNATURES:
        if head.startswith(signature):
            if extension not in extensions:
                raise ValidationError(
                    {field: [f"{name} is a {content_type} file but is named otherwise."]}
                )
            return CheckedDocument(upload, name, content_type, size)
    raise ValidationError({field: ["Only PDF, JPEG and PNG documents are accepted."]})
