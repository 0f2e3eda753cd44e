"""The spaces API: same permissions as the pages, 404 for what one may not see, documented, constant queries."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives.models import ParticipationStatus
from sharing.models import Label
from spaces import services
from tests.members.factories import MemberFactory
from tests.spaces.factories import left, participant, thread, working_group

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_mfa_requirement")]
V = "/api/v1"
PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world():
    initiative = working_group()
    rosa, tom = participant(initiative), participant(initiative)
    started = thread(initiative, rosa, replies=2)
    version = services.document_upload(
        initiative=initiative, member=rosa, data=io.BytesIO(PDF), filename="minutes.pdf", size=len(PDF)
    )
    return initiative, rosa, tom, started, version.document


def _paths(initiative, started, document) -> list[str]:
    slug = initiative.slug
    return [
        f"{V}/spaces/{slug}/threads/",
        f"{V}/spaces/{slug}/documents/",
        f"{V}/spaces/{slug}/sessions/",
        f"{V}/spaces/{slug}/action-items/",
        f"{V}/space-threads/{started.pk}/",
        f"{V}/space-documents/{document.pk}/",
        f"{V}/space-documents/{document.pk}/download/",
    ]


def test_participants_read_everything(client, world):
    initiative, _rosa, tom, started, document = world
    client.force_login(tom.user)
    for path in _paths(initiative, started, document):
        assert client.get(path).status_code == 200, path
    detail = client.get(f"{V}/space-threads/{started.pk}/").json()
    assert [post["body"] for post in detail["posts"]] == ["The **opening** post.", "Reply 0", "Reply 1"]
    assert detail["post_count"] == 3
    download = client.get(f"{V}/space-documents/{document.pk}/download/")
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert [row["slug"] for row in client.get(f"{V}/spaces/").json()] == [initiative.slug]


@pytest.mark.parametrize("who", ["stranger", "left", "waitlisted"])
def test_outsiders_get_404(client, world, who):
    initiative, _, _, started, document = world
    person = {
        "stranger": lambda: MemberFactory(),
        "left": lambda: left(initiative),
        "waitlisted": lambda: participant(initiative, status=ParticipationStatus.WAITLISTED),
    }[who]()
    client.force_login(person.user)
    for path in _paths(initiative, started, document):
        assert client.get(path).status_code == 404, path
    assert (
        client.post(
            f"{V}/space-threads/{started.pk}/replies/", {"body": "hi"}, content_type="application/json"
        ).status_code
        == 404
    )
    if who == "waitlisted":
        assert client.get(f"{V}/spaces/{initiative.slug}/").json()["may_read"] is False
    else:
        assert client.get(f"{V}/spaces/{initiative.slug}/").status_code == 404


def test_write_through_the_api(client, world):
    initiative, _rosa, tom, started, _ = world
    client.force_login(tom.user)
    created = client.post(
        f"{V}/spaces/{initiative.slug}/threads/",
        {"title": "From the API", "body": "Hello @" + "x", "label": Label.GREEN},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["label"] == "green"
    reply = client.post(f"{V}/space-threads/{started.pk}/replies/", {"body": "Agreed"}, content_type="application/json")
    assert reply.status_code == 201
    assert (
        client.post(
            f"{V}/space-threads/{started.pk}/replies/", {"body": ""}, content_type="application/json"
        ).status_code
        == 400
    )


def test_red_thread_is_404_to_others(client, world):
    initiative, rosa, tom, _, _ = world
    secret = services.thread_start(initiative=initiative, member=rosa, title="Red", body="x", label=Label.RED)
    client.force_login(tom.user)
    assert client.get(f"{V}/space-threads/{secret.pk}/").status_code == 404


def test_thread_query_count_is_constant(client, world):
    _initiative, rosa, tom, started, _ = world
    client.force_login(tom.user)
    url = f"{V}/space-threads/{started.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(12):
        services.post_reply(thread=started, member=rosa, body=f"More {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few) == 8


def test_documents_query_count_is_constant(client, world):
    initiative, rosa, tom, _, _ = world
    client.force_login(tom.user)
    url = f"{V}/spaces/{initiative.slug}/documents/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(6):
        services.document_upload(
            initiative=initiative, member=rosa, data=io.BytesIO(PDF), filename=f"d{n}.pdf", size=len(PDF)
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    # The user, the initiative with its space and my participation, the count, the page, the versions.
    assert len(many) == len(few) == 5


def test_schema_documents_the_spaces(client, world):
    _initiative, rosa, *_ = world
    client.force_login(rosa.user)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in (
        "/api/v1/spaces/{slug}/threads/",
        "/api/v1/space-threads/{id}/replies/",
        "/api/v1/space-documents/{id}/download/",
    ):
        assert path in schema


def test_upload_through_the_api_checks_the_bytes_like_the_page(client, world, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from spaces.models import DocumentVersion

    initiative, _rosa, tom, _, _ = world
    url = f"{V}/spaces/{initiative.slug}/documents/"
    client.force_login(tom.user)
    stored_before = {p for p in tmp_path.rglob("*") if p.is_file()}
    refused = client.post(url, {"file": SimpleUploadedFile("report.pdf", b"<html><script>x</script></html>")})
    assert refused.status_code == 400
    assert "is not a .pdf file" in refused.content.decode()
    assert {p for p in tmp_path.rglob("*") if p.is_file()} == stored_before
    created = client.post(url, {"file": SimpleUploadedFile("agenda.pdf", PDF), "title": "Agenda", "label": "green"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["title"], body["label"], body["versions"][0]["filename"]) == ("Agenda", "green", "agenda.pdf")
    assert DocumentVersion.objects.filter(document_id=body["id"], content_type="application/pdf").exists()
    client.force_login(MemberFactory().user)
    assert client.post(url, {"file": SimpleUploadedFile("agenda.pdf", PDF)}).status_code == 404


def test_someone_who_has_just_joined_reads_the_amber_threads_through_the_api_as_on_the_page(client, world):
    """The space's audience holds the organisations taking part when it is made; a newcomer's organisation is
    added by the first read of the space, through either channel (spaces.services.space_opened), not an hour
    later by the worker."""
    initiative, _rosa, _tom, started, _document = world
    assert started.label == Label.AMBER
    newcomer = participant(initiative)
    assert newcomer.organisation not in initiative.space.audience.organisations.all()
    client.force_login(newcomer.user)
    threads = client.get(f"{V}/spaces/{initiative.slug}/threads/").json()["results"]
    assert [row["id"] for row in threads] == [started.pk]
    assert newcomer.organisation in initiative.space.audience.organisations.all()


@pytest.mark.parametrize("path", ["space-threads/{thread}/", "space-documents/{document}/"])
def test_a_newcomers_first_read_of_an_amber_thread_or_document_by_id_opens_the_space(client, world, path):
    """Read by id before any list: the space is opened (the newcomer's organisation joins the audience) before the
    object's label is checked, as a page or a list would."""
    initiative, _rosa, _tom, started, document = world
    assert started.label == Label.AMBER
    assert document.label == Label.AMBER
    newcomer = participant(initiative)
    client.force_login(newcomer.user)
    response = client.get(f"{V}/" + path.format(thread=started.pk, document=document.pk))
    assert response.status_code == 200
    assert newcomer.organisation in initiative.space.audience.organisations.all()
