"""Pages cost the same number of queries whatever the number of replies or documents."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from spaces import services
from tests.initiatives.factories import ParticipationFactory
from tests.spaces.factories import participant, thread, working_group

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_mfa_requirement")]

PDF = b"%PDF-1.7\n%%EOF\n"
# Pinned so that a new query is a decision. Every page of a space: the user with its member and permissions (the
# session is in the cache), the initiative with its space, the viewer's participation and whether their organisation
# is in the space's audience (one query).
# The space page: then the threads, the documents and their versions (prefetched), the sessions (their notes only
# when there are sessions), the action items, my follow setting and the access log (one insert for both lists).
SPACE_PAGE_QUERIES = 9
THREAD_PAGE_QUERIES = 5  # then the thread, its posts and the access log
SPACES_LIST_QUERIES = 3  # the user; the spaces with their counts; the reports waiting for a moderator
DOWNLOAD_QUERIES = 4  # then the version with its document, as the document's label allows, and the access log


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _count(client, url) -> int:
    client.get(url)  # warm the content-type cache and the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_thread_page_is_constant_in_replies(client):
    initiative = working_group()
    rosa, tom = participant(initiative), participant(initiative)
    started = thread(initiative, rosa, replies=2)
    client.force_login(tom.user)
    url = started.get_absolute_url()
    few = _count(client, url)
    for n in range(15):
        services.post_reply(thread=started, member=tom if n % 2 else rosa, body=f"Reply {n}")
    assert _count(client, url) == few == THREAD_PAGE_QUERIES


def test_space_page_is_constant_in_documents_and_threads(client):
    initiative = working_group()
    rosa, tom = participant(initiative), participant(initiative)

    def add(n: int) -> None:
        for i in range(n):
            version = services.document_upload(
                initiative=initiative, member=rosa, data=io.BytesIO(PDF), filename=f"d{i}.pdf", size=len(PDF)
            )
            services.document_upload(
                initiative=initiative,
                member=tom,
                data=io.BytesIO(PDF),
                filename=f"d{i}.pdf",
                size=len(PDF),
                document=version.document,
            )
            thread(initiative, tom, replies=1, title=f"Thread {i}")

    add(1)
    client.force_login(tom.user)
    url = reverse("spaces:space", kwargs={"slug": initiative.slug})
    few = _count(client, url)
    add(8)
    assert _count(client, url) == few == SPACE_PAGE_QUERIES


def test_spaces_list_is_constant_in_spaces(client):
    first = working_group()
    rosa = participant(first)
    thread(first, rosa)
    client.force_login(rosa.user)
    url = reverse("spaces:index")
    few = _count(client, url)
    for n in range(6):
        more = working_group(title=f"Group {n}")
        ParticipationFactory(member=rosa, initiative=more)
        thread(more, rosa, title=f"Thread {n}")
    assert _count(client, url) == few == SPACES_LIST_QUERIES


def test_the_thread_page_reads_its_thread_without_counting_the_posts(client):
    initiative = working_group()
    rosa, tom = participant(initiative), participant(initiative)
    started = thread(initiative, rosa, replies=3)
    client.force_login(tom.user)
    client.get(started.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        client.get(started.get_absolute_url())
    reading_the_thread = [q["sql"] for q in queries if q["sql"].startswith('SELECT "spaces_thread"."id"')]
    assert len(reading_the_thread) == 1
    assert "spaces_post" not in reading_the_thread[0]


def test_a_long_thread_costs_what_a_short_one_does(client):
    initiative = working_group()
    rosa, tom = participant(initiative), participant(initiative)
    client.force_login(tom.user)
    short = thread(initiative, rosa, replies=1, title="Short")
    long = thread(initiative, rosa, replies=40, title="Long")
    assert _count(client, short.get_absolute_url()) == _count(client, long.get_absolute_url()) == THREAD_PAGE_QUERIES


def test_a_document_download_is_constant_in_versions_and_documents(client):
    initiative = working_group()
    rosa, tom = participant(initiative), participant(initiative)
    version = services.document_upload(
        initiative=initiative, member=rosa, data=io.BytesIO(PDF), filename="d.pdf", size=len(PDF)
    )
    client.force_login(tom.user)
    url = reverse(
        "spaces:document_download",
        kwargs={"slug": initiative.slug, "pk": version.document_id, "number": version.number},
    )
    few = _count(client, url)
    for i in range(5):
        services.document_upload(
            initiative=initiative, member=rosa, data=io.BytesIO(PDF), filename=f"e{i}.pdf", size=len(PDF)
        )
        services.document_upload(
            initiative=initiative,
            member=rosa,
            data=io.BytesIO(PDF),
            filename="d.pdf",
            size=len(PDF),
            document=version.document,
        )
    assert _count(client, url) == few == DOWNLOAD_QUERIES
