"""What a space accepts as a document, decided on the bytes, not on what the uploader's browser claims.

A file passes when its extension is on the allow-list **and** its first bytes are what that extension's format
starts with (PDF, PNG, JPEG, GIF, WebP, the OOXML and OpenDocument zip containers with their own marker inside,
the legacy Office compound file), or, for CSV and plain text, when it decodes as UTF-8 text that holds no
markup. An HTML or SVG file renamed `.pdf` fails: it does not start with `%PDF-`. The content type we store and
serve is ours, from the extension, never the uploader's.

No library: `filetype` (on PyPI) knows the signatures but not CSV or the check that a text file carries no markup,
so we would still need this module; the signatures are a dozen lines.
"""

import dataclasses
import io
import re
import zipfile
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def max_bytes() -> int:
    """`SPACES_MAX_UPLOAD_BYTES` in the settings; 10 MB without it."""
    return int(getattr(settings, "SPACES_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))


@dataclasses.dataclass(frozen=True)
class Format:
    content_type: str
    kind: str  # "pdf", "image", "ooxml", "odf", "ole", "text"
    signatures: tuple[bytes, ...] = ()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = (b"PK\x03\x04",)
FORMATS: dict[str, Format] = {
    "pdf": Format("application/pdf", "pdf", (b"%PDF-",)),
    "png": Format("image/png", "image", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": Format("image/jpeg", "image", (b"\xff\xd8\xff",)),
    "jpeg": Format("image/jpeg", "image", (b"\xff\xd8\xff",)),
    "gif": Format("image/gif", "image", (b"GIF87a", b"GIF89a")),
    "webp": Format("image/webp", "webp", (b"RIFF",)),
    "docx": Format("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "ooxml", ZIP),
    "xlsx": Format("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "ooxml", ZIP),
    "pptx": Format("application/vnd.openxmlformats-officedocument.presentationml.presentation", "ooxml", ZIP),
    "odt": Format("application/vnd.oasis.opendocument.text", "odf", ZIP),
    "ods": Format("application/vnd.oasis.opendocument.spreadsheet", "odf", ZIP),
    "odp": Format("application/vnd.oasis.opendocument.presentation", "odf", ZIP),
    "doc": Format("application/msword", "ole", (OLE,)),
    "xls": Format("application/vnd.ms-excel", "ole", (OLE,)),
    "ppt": Format("application/vnd.ms-powerpoint", "ole", (OLE,)),
    "csv": Format("text/csv", "text"),
    "txt": Format("text/plain", "text"),
}
OOXML_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
# Markup that a browser would run or render if it ever guessed: refused in anything we accept as text.
MARKUP = re.compile(rb"<\s*(html|head|body|script|svg|iframe|object|embed|meta|!doctype|\?xml)", re.IGNORECASE)
NAME_MAX = 200


@dataclasses.dataclass(frozen=True)
class Checked:
    filename: str
    extension: str
    content_type: str
    size: int


def check_name(filename: str) -> str:
    """The extension (lower case) of a plain file name; refuses folders, parent references and hidden names."""
    if not filename or len(filename) > NAME_MAX:
        raise ValidationError(_("Give the file a name of at most %(n)s characters.") % {"n": NAME_MAX})
    if any(part in filename for part in ("/", "\\", "\x00", "..")) or filename.startswith(("~", ".")):
        raise ValidationError(
            _("“%(name)s” is not a plain file name: it must not name folders or start with a dot.") % {"name": filename}
        )
    if "." not in filename:
        raise ValidationError(_("The file name needs an extension such as .pdf."))
    extension = filename.rsplit(".", 1)[1].lower()
    if extension not in FORMATS:
        raise ValidationError(
            _("Files ending in .%(ext)s are not accepted. Accepted: %(list)s.")
            % {"ext": extension, "list": ", ".join(f".{name}" for name in FORMATS)}
        )
    return extension


def _matches(extension: str, data: IO[bytes], head: bytes) -> bool:
    spec = FORMATS[extension]
    if spec.kind == "text":
        return _is_text(data)
    if not head.startswith(spec.signatures):
        return False
    if spec.kind == "webp":
        return head[8:12] == b"WEBP"
    if spec.kind in ("ooxml", "odf"):
        return _zip_holds(extension, data)
    return True


def _zip_holds(extension: str, data: IO[bytes]) -> bool:
    data.seek(0)
    try:
        with zipfile.ZipFile(data) as archive:
            names = set(archive.namelist())
            if extension in OOXML_PARTS:
                return "[Content_Types].xml" in names and OOXML_PARTS[extension] in names
            mimetype = archive.read("mimetype").decode("ascii", "replace").strip() if "mimetype" in names else ""
            return mimetype == FORMATS[extension].content_type
    except (zipfile.BadZipFile, KeyError, OSError):
        return False
    finally:
        data.seek(0)


def _is_text(data: IO[bytes]) -> bool:
    data.seek(0)
    content = data.read()
    data.seek(0)
    if b"\x00" in content or MARKUP.search(content):
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def check_upload(*, filename: str, data: IO[bytes], size: int) -> Checked:
    """Refuses, with a message the uploader can act on, a file over the limit, an empty one, a name that is
    not plain, an extension not on the list, or bytes that are not what the extension says."""
    extension = check_name(filename)
    limit = max_bytes()
    if size > limit:
        raise ValidationError(
            _("The file is %(size)s; files of at most %(limit)s are accepted.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    if size == 0:
        raise ValidationError(_("The file is empty."))
    data.seek(0)
    head = data.read(16)
    data.seek(0)
    if not _matches(extension, data, head):
        raise ValidationError(
            _("The file's content is not a .%(ext)s file, whatever its name says; it was not stored.")
            % {"ext": extension}
        )
    return Checked(filename=filename, extension=extension, content_type=FORMATS[extension].content_type, size=size)


def buffer(content: bytes) -> IO[bytes]:
    return io.BytesIO(content)
