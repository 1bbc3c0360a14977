"""What an uploaded document really is, read from its bytes, never from its name or the type
the browser sent: PDF, XLSX, DOCX, PNG, JPEG or WebP, and nothing else.

Contract: `document_kind(data, filename)` returns the kind ("pdf", "xlsx", "docx", "png",
"jpeg", "webp") or raises `DocumentRefused` with a sentence for the person, when the bytes are
none of these, are broken, or are not what the file's name says. Nothing is inflated: a
workbook or a Word file is recognised from its zip directory, an image from its header (with a
cap on its pixels, so a small file that would decode to gigabytes is refused).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from django.utils.translation import gettext as _
from PIL import Image

#: The kinds accepted, with the content type they are served as and the names they may bear.
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", (".pdf",)),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (".xlsx",),
    ),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
    ),
    "png": ("image/png", (".png",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
    "webp": ("image/webp", (".webp",)),
}
#: The most pixels an image may decode to (a 12,000 × 4,000 photograph).
MAX_PIXELS = 48_000_000
#: The most members a workbook or Word file's zip may list.
MAX_ZIP_MEMBERS = 5_000


class DocumentRefused(Exception):  # noqa: N818 - a refusal with a sentence, not a bug
    pass


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except Exception:  # zipfile raises more than BadZipFile on a damaged directory
        raise DocumentRefused(_("The file is damaged: it cannot be read as a document.")) from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise DocumentRefused(_("The file holds too many parts to be a document."))
    names = {i.filename for i in infos}
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    raise DocumentRefused(_("This zip file is not a Word document or an Excel workbook."))


def _image_kind(data: bytes) -> str:
    """The image's format, once it is known to decode whole: its header read, its size capped,
    then every pixel decoded (Pillow's `verify()` alone passes images whose pixel data is
    garbage). Whatever the image library raises on a damaged file is a refusal."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise DocumentRefused(
                    _("The image is too large (%(w)s × %(h)s pixels); at most %(n)s million.")
                    % {"w": width, "h": height, "n": MAX_PIXELS // 1_000_000}
                )
            fmt = (image.format or "").lower()
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except DocumentRefused:
        raise
    except Exception:  # Pillow's decoders raise IndexError, struct.error, ...
        raise DocumentRefused(_("The file is damaged: it cannot be read as an image.")) from None
    if fmt not in ("png", "jpeg", "webp"):
        raise DocumentRefused(_("Only PNG, JPEG and WebP images are accepted."))
    if not _image_complete(data, fmt):
        raise DocumentRefused(_("The image is cut short: it has no end. Save it again."))
    return fmt


def _image_complete(data: bytes, fmt: str) -> bool:
    """Whether the image's bytes run to its format's end marker (a second line of defence should
    anything switch Pillow to accepting truncated images, as WeasyPrint does on import)."""
    if fmt == "jpeg":
        return data.rstrip(b"\x00")[-2:] == b"\xff\xd9"  # End Of Image (padding allowed)
    if fmt == "png":
        return b"IEND" in data[-12:]  # the IEND chunk closes every PNG
    size = int.from_bytes(data[4:8], "little")  # RIFF: the length of what follows
    return len(data) - 8 >= size


def document_kind(data: bytes, filename: str) -> str:
    if not data:
        raise DocumentRefused(_("The file is empty."))
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise DocumentRefused(_("The PDF is cut short: it has no end. Save it again."))
        kind = "pdf"
    elif data.startswith(b"PK\x03\x04"):
        kind = _zip_kind(data)
    elif data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    ):
        kind = _image_kind(data)
    else:
        raise DocumentRefused(
            _("Only PDF, Excel (XLSX), Word (DOCX) and PNG, JPEG or WebP images are accepted.")
        )
    suffix = PurePath(filename).suffix.lower()
    if suffix not in KINDS[kind][1]:
        raise DocumentRefused(
            _("The file is named %(name)s but is a %(kind)s file: rename it or choose another.")
            % {"name": PurePath(filename).name[:80], "kind": kind.upper()}
        )
    return kind


def kept_filename(filename: str, kind: str, limit: int = 200) -> str:
    """The name a document is kept and served under: its own, without folders, cut to `limit`
    characters by its stem so that its ending survives (`x` × 300 + `.pdf` keeps `.pdf`); a
    name with no stem becomes `document.<kind>`. One rule for every upload that keeps a file."""
    name = PurePath(filename.replace("\\", "/")).name
    stem, dot, ending = name.rpartition(".")
    if not dot:  # no ending at all: the kind's own
        stem, ending = name, KINDS[kind][1][0].lstrip(".")
    suffix = "." + ending[:11]
    stem = stem[: limit - len(suffix)]
    return stem + suffix if stem.strip(". ") else f"document{KINDS[kind][1][0]}"


def content_type(kind: str) -> str:
    return KINDS[kind][0]


def accepted_document(data: bytes, filename: str, *, kinds: tuple[str, ...] = ()) -> str:
    """The kind of an uploaded file a service keeps, or a `ValidationError` on its "file" field
    saying why not: larger than `RECAP_UPLOAD_MAX_BYTES`, not what it claims, or (with
    `kinds`) not one of those kinds."""
    from django.conf import settings
    from django.core.exceptions import ValidationError

    limit = settings.RECAP_UPLOAD_MAX_BYTES - 1
    if len(data) > limit:
        raise ValidationError(
            {"file": _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}}
        )
    try:
        kind = document_kind(data, filename)
    except DocumentRefused as exc:
        raise ValidationError({"file": str(exc)}) from None
    if kinds and kind not in kinds:
        names = ", ".join(k.upper() for k in kinds)
        raise ValidationError(
            {"file": _("Only these kinds of file: %(kinds)s.") % {"kinds": names}}
        )
    return kind
