"""Who may enter a space: decided in `spaces.selectors.access_level`, and every page answers as it says."""

import io

import pytest
from django.urls import reverse

from initiatives.models import ParticipationStatus
from initiatives.services import initiative_leave
from members.models import Member
from sharing.models import AccessLog, Channel
from spaces import selectors, services
from spaces.selectors import Level
from tests.members.factories import MemberFactory, staff_user
from tests.spaces.factories import first_post, left, participant, thread, working_group

PDF = b"%PDF-1.7\n%%EOF\n"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_mfa_requirement")]


@pytest.fixture
def setting():
    initiative = working_group()
    author = participant(initiative)
    started = thread(initiative, author, replies=1)
    return initiative, author, started


def _pages(initiative, started):
    slug = initiative.slug
    post = first_post(started)
    return [
        ("get", reverse("spaces:space", kwargs={"slug": slug})),
        ("get", reverse("spaces:thread", kwargs={"slug": slug, "pk": started.pk})),
        ("post", reverse("spaces:reply", kwargs={"slug": slug, "pk": started.pk})),
        ("post", reverse("spaces:thread_new", kwargs={"slug": slug})),
        ("get", reverse("spaces:post_edit", kwargs={"slug": slug, "pk": post.pk})),
        ("post", reverse("spaces:post_report", kwargs={"slug": slug, "pk": post.pk})),
        ("post", reverse("spaces:follow", kwargs={"slug": slug})),
        ("post", reverse("spaces:document_upload", kwargs={"slug": slug})),
        ("get", reverse("spaces:document_download", kwargs={"slug": slug, "pk": 1, "number": 1})),
        ("post", reverse("spaces:session_new", kwargs={"slug": slug})),
        ("post", reverse("spaces:action_new", kwargs={"slug": slug})),
    ]


def test_levels(setting):
    initiative, author, _ = setting
    waiting = participant(initiative, status=ParticipationStatus.WAITLISTED)
    gone = left(initiative)
    stranger = MemberFactory()
    suspended = participant(initiative)
    Member.objects.filter(pk=suspended.pk).update(status=Member.Status.SUSPENDED)
    suspended.refresh_from_db()
    assert selectors.access_level(user=author.user, initiative=initiative) == Level.MEMBER
    assert selectors.access_level(user=initiative.lead, initiative=initiative) == Level.MODERATOR
    assert selectors.access_level(user=staff_user(), initiative=initiative) == Level.MODERATOR
    assert selectors.access_level(user=waiting.user, initiative=initiative) == Level.PREVIEW
    for outsider in (gone, stranger, suspended):
        assert selectors.access_level(user=outsider.user, initiative=initiative) == Level.NONE


@pytest.mark.parametrize("who", ["stranger", "left", "suspended", "waitlisted"])
def test_outsiders_get_404_on_every_page(client, setting, who):
    initiative, _, started = setting
    if who == "stranger":
        person = MemberFactory()
    elif who == "left":
        person = left(initiative)
    elif who == "waitlisted":
        person = participant(initiative, status=ParticipationStatus.WAITLISTED)
    else:
        person = participant(initiative)
        Member.objects.filter(pk=person.pk).update(status=Member.Status.SUSPENDED)
    client.force_login(person.user)
    for method, url in _pages(initiative, started):
        if who == "waitlisted" and url == reverse("spaces:space", kwargs={"slug": initiative.slug}):
            continue
        response = getattr(client, method)(url)
        # A suspended account holds no permission at all: it is refused before the space is looked at.
        assert response.status_code in ((403,) if who == "suspended" else (404,)), (url, response.status_code)


def test_waitlisted_sees_title_and_counts_only(client, setting):
    initiative, _, started = setting
    waiting = participant(initiative, status=ParticipationStatus.WAITLISTED)
    client.force_login(waiting.user)
    response = client.get(reverse("spaces:space", kwargs={"slug": initiative.slug}))
    assert response.status_code == 200
    page = response.content.decode()
    assert initiative.title in page
    assert started.title not in page
    assert "opening" not in page


def test_a_member_who_leaves_loses_access_at_once(client, setting):
    initiative, author, started = setting
    client.force_login(author.user)
    url = reverse("spaces:thread", kwargs={"slug": initiative.slug, "pk": started.pk})
    assert client.get(url).status_code == 200
    initiative_leave(member=author, initiative=initiative)
    assert client.get(url).status_code == 404


def test_index_lists_only_my_spaces(client, setting):
    initiative, author, _ = setting
    other = working_group(title="Someone else's group")
    client.force_login(author.user)
    page = client.get(reverse("spaces:index")).content.decode()
    assert initiative.title in page
    assert other.title not in page


def test_viewing_amber_content_is_logged(client, setting, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    initiative, author, started = setting
    version = services.document_upload(
        initiative=initiative, member=author, data=io.BytesIO(PDF), filename="d.pdf", size=len(PDF)
    )
    reader = participant(initiative)
    client.force_login(reader.user)
    client.get(reverse("spaces:space", kwargs={"slug": initiative.slug}))
    client.get(started.get_absolute_url())
    download = client.get(
        reverse(
            "spaces:document_download",
            kwargs={"slug": initiative.slug, "pk": version.document_id, "number": version.number},
        )
    )
    assert download.status_code == 200
    logged = AccessLog.objects.filter(user=reader.user)
    listed = {(row.content_type.model, row.object_id) for row in logged.filter(channel=Channel.LIST)}
    assert listed == {("thread", started.pk), ("document", version.document_id)}  # both lists of the space page
    opened = [(row.content_type.model, row.object_id) for row in logged.filter(channel=Channel.PAGE)]
    assert sorted(opened) == sorted(
        [
            ("thread", started.pk),
            *(("post", post.pk) for post in started.posts.all()),
            ("document", version.document_id),
        ]
    )
    assert {row.organisation_id for row in logged} == {author.organisation_id}
