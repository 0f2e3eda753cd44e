from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from engagement import scoring
from engagement.models import LifecycleStage, MemberEngagement
from members.models import Activity, Notification, Origin, Verb
from sharing.models import Label
from spaces import selectors, services
from spaces.models import ActionItem, FollowLevel, ModerationAction, Post
from tests.initiatives.factories import InitiativeSessionFactory
from tests.members.factories import MemberFactory
from tests.personas.factories import PersonaFactory
from tests.spaces.factories import first_post, participant, thread, working_group

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_mfa_requirement")]


@pytest.fixture
def group():
    initiative = working_group()
    rosa = participant(
        initiative, user__first_name="Rosa", user__last_name="Silva", organisation__sector="law_enforcement"
    )
    tom = participant(initiative, user__first_name="Tom", user__last_name="Berg")
    return initiative, rosa, tom


def test_mentions_notify_the_mentioned_participant_only(group):
    initiative, rosa, tom = group
    outsider = MemberFactory(user__first_name="Tom", user__last_name="Berg")
    services.thread_start(initiative=initiative, member=rosa, title="Typologies", body="What do you think, @tom-berg?")
    assert Notification.objects.filter(member=tom).count() == 1
    assert "mentioned you" in Notification.objects.get(member=tom).title
    assert not Notification.objects.filter(member=outsider).exists()
    assert not Notification.objects.filter(member=rosa).exists()


def test_follow_all_hears_every_post_and_none_hears_nothing(group):
    initiative, rosa, tom = group
    services.follow_set(initiative=initiative, member=tom, level=FollowLevel.ALL)
    started = services.thread_start(initiative=initiative, member=rosa, title="Typologies", body="Hello")
    services.post_reply(thread=started, member=rosa, body="More")
    assert Notification.objects.filter(member=tom).count() == 2
    services.follow_set(initiative=initiative, member=tom, level=FollowLevel.NONE)
    services.post_reply(thread=started, member=rosa, body="@tom-berg still there?")
    assert Notification.objects.filter(member=tom).count() == 2


def test_red_post_reaches_nobody_else(group):
    initiative, rosa, tom = group
    started = services.thread_start(
        initiative=initiative, member=rosa, title="Private", body="A secret, mentioning no one", label=Label.RED
    )
    # (A RED post that @mentions a participant names them: test_a_red_post_names_the_participants_it_mentions.)
    assert not Notification.objects.filter(member=tom).exists()
    assert not selectors.threads_of(space=started.space, user=tom.user).exists()
    assert selectors.threads_of(space=started.space, user=rosa.user).exists()


def test_amber_reaches_participants_of_other_organisations(group):
    initiative, rosa, tom = group
    started = thread(initiative, rosa)
    assert rosa.organisation_id != tom.organisation_id
    assert list(selectors.posts_of(thread=started, user=tom.user)) == list(started.posts.all())


def test_edit_keeps_history_and_only_the_author_edits(group):
    initiative, rosa, tom = group
    post = first_post(thread(initiative, rosa))
    services.post_edit(post=post, member=rosa, body="Corrected")
    assert [row.body for row in post.history.order_by("history_date")] == ["The **opening** post.", "Corrected"]
    with pytest.raises(PermissionDenied):
        services.post_edit(post=post, member=tom, body="Mine now")


def test_lead_hides_with_a_reason_and_the_post_stays(group, client):
    initiative, rosa, tom = group
    started = thread(initiative, rosa)
    post = first_post(started)
    services.post_report(post=post, member=tom, reason="Names a victim")
    with pytest.raises(ValidationError):
        services.post_hide(post=post, by=initiative.lead, reason=" ")
    with pytest.raises(PermissionDenied):
        services.post_hide(post=post, by=tom.user, reason="I dislike it")
    services.post_hide(post=post, by=initiative.lead, reason="Names a victim")
    post.refresh_from_db()
    assert post.hidden_reason == "Names a victim"
    assert Post.objects.filter(pk=post.pk).exists()
    assert not selectors.report_queue(user=initiative.lead).exists()
    assert ModerationAction.objects.filter(post=post, kind="hide").exists()
    client.force_login(tom.user)
    page = client.get(started.get_absolute_url()).content.decode()
    assert "Hidden by a moderator" in page
    assert "opening" not in page
    client.force_login(initiative.lead)
    assert "opening" in client.get(started.get_absolute_url()).content.decode()


def test_lock_stops_replies(group):
    initiative, rosa, tom = group
    started = thread(initiative, rosa)
    services.thread_moderate(thread=started, by=initiative.lead, kind="lock", reason="Decided")
    with pytest.raises(ValidationError):
        services.post_reply(thread=started, member=tom, body="One more")


def test_markdown_injection_is_removed(group, client):
    initiative, rosa, tom = group
    started = services.thread_start(
        initiative=initiative,
        member=rosa,
        title="Links",
        body='<script>alert(1)</script> <img src=x onerror="alert(2)"> [click](javascript:alert(3)) **ok**',
    )
    client.force_login(tom.user)
    page = client.get(started.get_absolute_url()).content.decode()
    assert "<script>alert" not in page
    assert "onerror" not in page
    assert "javascript:" not in page
    assert "<strong>ok</strong>" in page


def test_overdue_items_are_reminded_once(group):
    initiative, _rosa, tom = group
    session = InitiativeSessionFactory(initiative=initiative)
    item = services.action_item_create(
        initiative=initiative,
        by=initiative.lead,
        title="Share the typology draft",
        owner=tom,
        due_on=timezone.localdate() - timedelta(days=1),
        session=session,
    )
    services.action_item_create(
        initiative=initiative,
        by=initiative.lead,
        title="Later",
        owner=tom,
        due_on=timezone.localdate() + timedelta(days=3),
    )
    assert services.action_items_remind() == 1
    assert services.action_items_remind() == 0
    assert Notification.objects.filter(member=tom, title__contains="Share the typology draft").count() == 1
    item.refresh_from_db()
    assert item.reminded_at is not None
    with pytest.raises(ValidationError):
        services.action_item_create(
            initiative=initiative, by=initiative.lead, title="x", owner=MemberFactory(), due_on=timezone.localdate()
        )
    assert ActionItem.objects.count() == 2


def test_search_never_returns_what_one_may_not_see(group):
    initiative, rosa, tom = group
    other = working_group()
    stranger = participant(other)
    thread(other, stranger, title="Shell companies elsewhere")
    services.thread_start(initiative=initiative, member=rosa, title="Shell companies", body="Shell companies here")
    services.thread_start(
        initiative=initiative, member=rosa, title="Red shell", body="Shell companies secret", label=Label.RED
    )
    found = selectors.search(user=tom.user, query="shell companies")
    assert [post.thread.title for post in found] == ["Shell companies"]
    assert {post.thread.title for post in selectors.search(user=rosa.user, query="shell")} == {
        "Shell companies",
        "Red shell",
    }


def test_lead_records_session_notes_and_attendance(group, client):
    initiative, _rosa, tom = group
    session = InitiativeSessionFactory(initiative=initiative)
    client.force_login(initiative.lead)
    url = reverse("spaces:session", kwargs={"slug": initiative.slug, "pk": session.pk})
    response = client.post(
        url, {"agenda": "1. Typologies", "notes": "Discussed", "decisions": "Adopt v2", "label": "amber"}
    )
    assert response.status_code == 302
    client.post(reverse("spaces:attendance", kwargs={"slug": initiative.slug, "pk": session.pk}), {"member": tom.pk})
    assert session.attendances.filter(member=tom).exists()
    client.force_login(tom.user)
    page = client.get(url).content.decode()
    assert "Adopt v2" in page
    assert client.post(url, {"notes": "mine"}).status_code == 404


def test_a_space_without_a_lead_is_owned_by_who_opened_it(client):
    from tests.initiatives.factories import InitiativeFactory
    from tests.spaces.factories import participant as take_part

    initiative = InitiativeFactory(lead=None)
    member = take_part(initiative)
    client.force_login(member.user)
    assert client.get(reverse("spaces:space", kwargs={"slug": initiative.slug})).status_code == 200
    assert initiative.space.audience.owner == member.user


def test_posting_is_a_contribution_that_makes_the_member_collaborating(group):
    initiative, rosa, tom = group
    rosa.persona = PersonaFactory()
    rosa.job_title = "Detective"
    rosa.save()
    services.thread_start(initiative=initiative, member=rosa, title="Typologies", body="A first finding")
    posted = Activity.objects.get(member=rosa, verb=Verb.SPACE_POSTED)
    assert (posted.origin, posted.subject) == (Origin.MEMBER, initiative)
    scoring.engagement_recompute()
    assert MemberEngagement.objects.get(member=rosa).stage == LifecycleStage.COLLABORATING
    assert not Activity.objects.filter(member=tom, verb=Verb.SPACE_POSTED).exists()


def test_a_red_post_names_the_participants_it_mentions():
    initiative = working_group()
    rosa, tom, ann = participant(initiative), participant(initiative), participant(initiative)
    started = services.thread_start(
        initiative=initiative,
        member=rosa,
        title="Only for Tom",
        body=f"@{services.handle(tom)} the case notes are below.",
        label=Label.RED,
    )
    space = started.space
    assert selectors.threads_of(space=space, user=tom.user).filter(pk=started.pk).exists()
    assert not selectors.threads_of(space=space, user=ann.user).filter(pk=started.pk).exists()
    assert selectors.posts_of(thread=started, user=tom.user).count() == 1
    reply = services.post_reply(thread=started, member=tom, body="Thanks, noted.", label=Label.RED)
    assert (
        not selectors.posts_of(thread=started, user=rosa.user).filter(pk=reply.pk).exists()
    )  # names no one: Tom's alone
    assert tom.notifications.filter(kind="space_activity").count() == 1
    assert not ann.notifications.exists()


def test_an_organisation_leaves_the_audience_when_its_last_participant_leaves(
    group, django_capture_on_commit_callbacks
):
    """TLP:AMBER in a space means the organisations taking part now: not until the hourly sync."""
    from initiatives.services import initiative_leave, participation_remove

    initiative, rosa, tom = group
    colleague = participant(initiative, organisation=rosa.organisation)
    space = services.space_ensure(initiative=initiative, by=initiative.lead)
    assert set(space.audience.organisations.all()) == {rosa.organisation, tom.organisation}

    with django_capture_on_commit_callbacks(execute=True):
        initiative_leave(member=rosa, initiative=initiative)
    assert set(space.audience.organisations.all()) == {rosa.organisation, tom.organisation}  # her colleague stays

    with django_capture_on_commit_callbacks(execute=True):
        initiative_leave(member=colleague, initiative=initiative)
    with django_capture_on_commit_callbacks(execute=True):
        participation_remove(participation=tom.participations.get(initiative=initiative), by=initiative.lead)
    assert not space.audience.organisations.exists()
