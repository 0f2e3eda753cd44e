import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from spaces import services
from spaces.models import Document, DocumentVersion
from tests.members.factories import MemberFactory
from tests.spaces.factories import participant, working_group

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_mfa_requirement")]

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return tmp_path


@pytest.fixture
def group():
    initiative = working_group()
    return initiative, participant(initiative), participant(initiative)


def _upload(initiative, member, content: bytes, name: str, **kwargs):
    return services.document_upload(
        initiative=initiative, member=member, data=io.BytesIO(content), filename=name, size=len(content), **kwargs
    )


def _files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "report.pdf", "is not a .pdf file"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "chart.pdf", "is not a .pdf file"),
        (b"<svg onload=alert(1)>", "chart.png", "is not a .png file"),
        (b"name,amount\n<script>x</script>,1\n", "data.csv", "is not a .csv file"),
        (PDF, "../../etc/passwd.pdf", "not a plain file name"),
        (PDF, "..\\secret.pdf", "not a plain file name"),
        (PDF, "page.html", "are not accepted"),
        (PDF, "drawing.svg", "are not accepted"),
        (b"PK\x03\x04garbage", "sheet.xlsx", "is not a .xlsx file"),
    ],
)
def test_refused_files_store_nothing(group, media, content, name, message):
    initiative, member, _ = group
    with pytest.raises(ValidationError) as error:
        _upload(initiative, member, content, name)
    assert message in " ".join(error.value.messages)
    assert not Document.objects.exists()
    assert not _files(media)


def test_over_the_limit_is_refused(group, media, settings):
    settings.SPACES_MAX_UPLOAD_BYTES = 100
    initiative, member, _ = group
    with pytest.raises(ValidationError) as error:
        _upload(initiative, member, PDF + b" " * 200, "big.pdf")
    assert "files of at most 100" in error.value.messages[0]
    assert not _files(media)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (PDF, "minutes.pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "map.png"),
        (b"name,amount\nAcme,12\n", "flows.csv"),
        (_docx(), "draft.docx"),
    ],
)
def test_allowed_files_are_kept(group, content, name):
    initiative, member, _ = group
    version = _upload(initiative, member, content, name)
    assert version.number == 1
    assert version.filename == name
    assert version.size == len(content)
    assert name not in version.file.name  # stored under a name of ours


def test_versions_are_kept_and_downloads_are_attachments(group, client):
    initiative, member, other = group
    first = _upload(initiative, member, PDF, "minutes.pdf", title="Minutes")
    second = _upload(initiative, other, PDF + b"%v2", "minutes-v2.pdf", document=first.document)
    assert second.number == 2
    assert DocumentVersion.objects.filter(document=first.document).count() == 2
    client.force_login(other.user)
    url = reverse("spaces:document_download", kwargs={"slug": initiative.slug, "pk": first.document_id, "number": 1})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    client.force_login(MemberFactory().user)
    assert client.get(url).status_code == 404


def test_upload_page_refuses_with_a_clear_message(group, client, media):
    initiative, member, _ = group
    client.force_login(member.user)
    response = client.post(
        reverse("spaces:document_upload", kwargs={"slug": initiative.slug}),
        {"document-file": SimpleUploadedFile("evil.pdf", b"<html><body>hi</body></html>"), "document-label": "amber"},
        follow=True,
    )
    assert "is not a .pdf file" in response.content.decode()
    assert not _files(media)


def test_a_file_whose_transaction_rolls_back_is_swept_and_a_kept_one_stays(group, media):
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from spaces.orphans import GRACE, orphan_files_remove

    initiative, member, _ = group
    kept = _upload(initiative, member, PDF, "kept.pdf")

    def upload_then_fail() -> None:
        with transaction.atomic():
            _upload(initiative, member, PDF, "lost.pdf")
            raise RuntimeError("the caller's transaction fails after the upload")

    with pytest.raises(RuntimeError):
        upload_then_fail()
    assert DocumentVersion.objects.count() == 1
    assert len(_files(media)) == 2  # the rolled-back upload's bytes are still on disk
    assert orphan_files_remove() == 0  # within the grace period: an upload may still be in its transaction
    assert orphan_files_remove(now=timezone.now() + GRACE + timedelta(minutes=1)) == 1
    assert [path.relative_to(media).as_posix() for path in _files(media)] == [kept.file.name]
