"""Every e-mail to a person is written in their language: the templates render inside `in_language_of`."""

import pytest
from django.conf import settings
from django.core import mail
from django.db.models.signals import post_save
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import translation

from analytics.digest import digest_send
from initiatives.services import initiative_join, initiative_leave, initiative_save
from members.emails import membership_decision_email_send, membership_status_email_send
from members.models import Member, Notification
from roadmap.services import roadmap_publish
from spaces.services import thread_start
from tests.initiatives.factories import InitiativeFactory
from tests.members.factories import MemberFactory, leadership_user, staff_user
from tests.roadmap.factories import make_roadmap, place
from tests.spaces.factories import participant, working_group
from voice.services import follow_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def rendered_in():
    """The language active while each template was rendered, by template name."""
    languages: dict[str, str] = {}

    def record(sender, template, context, **kwargs):
        languages[template.name] = translation.get_language()

    template_rendered.connect(record)
    yield languages
    template_rendered.disconnect(record)


def test_membership_mails_are_written_in_the_members_language(rendered_in):
    member = MemberFactory(language="es")
    membership_decision_email_send(member=member)
    assert rendered_in == {"members/email/approved_subject.txt": "es", "members/email/approved.txt": "es"}
    member.status = Member.Status.SUSPENDED
    rendered_in.clear()
    membership_status_email_send(member=member)
    assert set(rendered_in.values()) == {"es"}
    assert len(mail.outbox) == 2
    assert translation.get_language() == settings.LANGUAGE_CODE  # the sender's language is back


def test_a_member_without_a_choice_gets_english_whatever_the_sender_reads(rendered_in):
    member = MemberFactory()
    with translation.override("fr"):  # a staff member working in French approves them
        membership_decision_email_send(member=member)
    assert set(rendered_in.values()) == {settings.LANGUAGE_CODE}


def test_the_digest_is_written_in_the_leaders_language(rendered_in):
    user = leadership_user()
    MemberFactory(user=user, language="fr")
    digest_send(user=user)
    assert rendered_in["analytics/email/digest.html"] == "fr"
    assert rendered_in["analytics/email/digest_subject.txt"] == "fr"


def test_allauth_mail_follows_the_profile_else_the_page_it_was_asked_from(client, rendered_in):
    member = MemberFactory(language="fr")
    client.post(reverse("account_reset_password"), {"email": member.user.email}, HTTP_ACCEPT_LANGUAGE="es")
    assert len(mail.outbox) == 1
    assert rendered_in["account/email/password_reset_key_message.txt"] == "fr"
    rendered_in.clear()
    other = MemberFactory()
    client.post(reverse("account_reset_password"), {"email": other.user.email}, HTTP_ACCEPT_LANGUAGE="es")
    assert rendered_in["account/email/password_reset_key_message.txt"] == "es"


def test_the_api_answers_its_errors_in_the_requested_language(client):
    response = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code in (401, 403)
    body = response.json()
    assert response["Content-Language"] == "es"
    english = client.get("/api/v1/me/").json()
    assert body["error"]["message"] != english["error"]["message"]
    assert "credenciales" in body["error"]["message"].lower()


def test_inbox_notices_are_written_in_the_readers_language_not_the_authors():
    written_in: dict[int, str] = {}

    def record(sender, instance, created, **kwargs):
        written_in[instance.member_id] = translation.get_language()

    initiative = working_group()
    rosa = participant(initiative, user__first_name="Rosa", user__last_name="Silva")
    tom = participant(initiative, user__first_name="Tom", user__last_name="Berg", language="fr")
    post_save.connect(record, sender=Notification)
    try:
        with translation.override("es"):  # Rosa writes from a page in Spanish
            thread_start(initiative=initiative, member=rosa, title="Typologies", body="What do you think, @tom-berg?")
    finally:
        post_save.disconnect(record, sender=Notification)
    assert written_in == {tom.pk: "fr"}


def test_initiative_notices_are_written_in_each_readers_language(django_capture_on_commit_callbacks):
    initiative = InitiativeFactory(title="Rent group", capacity=1)
    holder, spanish, french = MemberFactory(), MemberFactory(language="es"), MemberFactory(language="fr")
    for member in (holder, spanish, french):
        initiative_join(member=member, initiative=initiative)
    with translation.override("de"):  # whoever leaves, the promoted member reads their own language
        initiative_leave(member=holder, initiative=initiative)
    assert Notification.objects.get(member=spanish).title == "Ha quedado una plaza libre: ahora participa en Rent group"
    Notification.objects.all().delete()

    initiative.location = "Madrid"
    initiative_save(initiative=initiative, by=staff_user())  # a change staff make on an English page
    notices = {notice.member_id: notice for notice in Notification.objects.all()}
    assert (notices[spanish.pk].title, notices[spanish.pk].body) == (
        "Rent group ha cambiado",
        "Cambios: lugar. Revise los detalles y su calendario.",
    )
    assert notices[french.pk].title == "Rent group a changé"
    assert notices[french.pk].body.startswith("Modifications\xa0: lieu.")  # a no-break space before the colon


def test_roadmap_notices_are_written_in_each_readers_language(django_capture_on_commit_callbacks):
    roadmap = make_roadmap()
    item = place(roadmap, 1, 3)
    english, spanish = MemberFactory(), MemberFactory(language="es")
    for member in (english, spanish):
        follow_set(member=member, opportunity=item.opportunity, follow=True)
    with django_capture_on_commit_callbacks(execute=True), translation.override("fr"):  # a French publisher
        roadmap_publish(roadmap=roadmap, by=None)
    assert Notification.objects.get(member=english).title.endswith("is on the roadmap")
    assert Notification.objects.get(member=spanish).title.startswith("«")
    assert "is on the roadmap" not in Notification.objects.get(member=spanish).title
