"""Campaign steps that point to ecosystem stages and red flags: the message lists them as tracked links."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns.messages import Template, personalise
from campaigns.models import CampaignStep
from campaigns.validators import check_body
from tests.campaigns.factories import CampaignStepFactory, DeliveryFactory
from tests.ecosystem.factories import StageFactory, red_flag
from tests.initiatives.factories import InitiativeFactory
from tests.members.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db

TRACKED = re.compile(r"http://testserver(/campaigns/c/[^\s\"]+)")


@pytest.fixture
def linked_step() -> CampaignStep:
    stage = StageFactory.create(name="Recruitment", category__name="Illicit massage businesses", category__slug="imb")
    step = CampaignStepFactory.create(body="Dear {name}, two things to look at.")
    step.stages.set([stage])
    step.red_flags.set(
        [
            red_flag(stage=stage, indicator="Rent paid in cash by a third party"),
            red_flag(stage=stage, indicator="Draft & unseen", publish=False),  # members cannot see it: not listed
        ]
    )
    return step


def test_a_sent_message_lists_stages_and_red_flags_as_tracked_links(client, linked_step):
    delivery = DeliveryFactory(step=linked_step)
    flag = linked_step.red_flags.get(indicator__startswith="Rent")
    message = personalise(
        Template.for_step(linked_step), member=delivery.member, campaign=delivery.campaign, delivery=delivery
    )
    assert "Recruitment (Illicit massage businesses map)" in message.html
    assert "Red flag: Rent paid in cash by a third party" in message.html
    assert "Draft" not in message.html + message.text
    assert "/ecosystem/" not in message.html  # every link goes through the click redirect
    portal_part = message.text.split("On the portal:\n")[1]
    assert portal_part.startswith("- Recruitment (Illicit massage businesses map): http://testserver/campaigns/c/")
    targets = []
    for path in TRACKED.findall(portal_part):
        response = client.get(path)
        assert response.status_code == 302
        targets.append(response["Location"])
    stage = linked_step.stages.get()
    assert targets == [
        f"http://testserver/ecosystem/imb/?stage={stage.pk}#red-flags",
        f"http://testserver/ecosystem/red-flags/{flag.pk}/",
    ]
    delivery.refresh_from_db()
    assert delivery.clicked_at is not None
    # The pages behind the links open for the member; a red flag's page says nothing about campaigns.
    client.force_login(delivery.member.user)
    page = client.get(f"/ecosystem/red-flags/{flag.pk}/")
    assert page.status_code == 200
    assert "campaign" not in page.content.decode().lower()
    assert client.get("/ecosystem/imb/", {"stage": stage.pk}).status_code == 200


def test_a_preview_lists_the_links_untracked_and_a_step_without_links_adds_nothing(linked_step):
    member = MemberFactory()
    preview = personalise(Template.for_step(linked_step), member=member, campaign=linked_step.campaign, delivery=None)
    flag = linked_step.red_flags.get(indicator__startswith="Rent")
    assert f'<a href="http://testserver/ecosystem/red-flags/{flag.pk}/">Red flag: Rent paid' in preview.html
    assert f"- Red flag: Rent paid in cash by a third party: http://testserver/ecosystem/red-flags/{flag.pk}/" in (
        preview.text
    )
    plain = CampaignStepFactory()
    message = personalise(Template.for_step(plain), member=member, campaign=plain.campaign, delivery=None)
    assert "On the portal" not in message.html + message.text


def test_the_step_admin_offers_published_red_flags_and_stages_by_autocomplete(client, without_mfa_requirement):
    client.force_login(staff_user(email="staff@knoble.example"))
    stage = StageFactory(name="Laundering")
    published = red_flag(stage=stage, indicator="Structured cash deposits")
    red_flag(stage=stage, indicator="Structured draft", publish=False)
    autocomplete = reverse("admin:autocomplete")
    query = {"app_label": "campaigns", "model_name": "campaignstep"}
    flags = client.get(autocomplete, query | {"field_name": "red_flags", "term": "Structured"}).json()
    assert [result["id"] for result in flags["results"]] == [str(published.pk)]
    stages = client.get(autocomplete, query | {"field_name": "stages", "term": "Launder"}).json()
    assert [result["id"] for result in stages["results"]] == [str(stage.pk)]
    step = CampaignStepFactory()
    page = client.get(reverse("admin:campaigns_campaign_change", args=[step.campaign.pk])).content.decode()
    assert 'name="steps-0-red_flags"' in page
    assert "admin-autocomplete" in page


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ("[Your page]({name})", "javascript:alert(document.cookie)"),  # a step saved before the rule
        ("[Your page](/{name})", "/evil.example/phish"),  # a relative link the value turns into another site's
        ("[Your page]({goal_link})", "Noor"),
    ],
)
def test_links_are_checked_again_once_the_member_is_filled_in(body, name):
    goal = InitiativeFactory(title="javascript:alert(1)")
    step = CampaignStepFactory(body=body, campaign__goal=goal)
    delivery = DeliveryFactory(step=step, campaign=step.campaign)
    for recipient in (None, delivery):  # the admin's preview and test send, then a real send
        message = personalise(
            Template.for_step(step), member=delivery.member, campaign=step.campaign, delivery=recipient, name=name
        )
        assert "javascript:" not in message.html
        assert "evil.example" not in message.html
        assert "Your page</a>" in message.html


def test_a_text_placeholder_is_refused_as_a_link():
    with pytest.raises(ValidationError, match="not a link placeholder"):
        check_body("[Click]({name}) or [this]({goal})", link_hosts=set())
    check_body("[Join]({goal_link})", link_hosts=set())


def test_the_plain_text_part_is_written_from_the_markdown_with_absolute_tracked_links(client):
    goal = InitiativeFactory(title="Card payments working group")
    step = CampaignStepFactory.create(
        body=(
            "Dear {name},\n\n**Join** the [working group]({goal_link}) or read [the map](/ecosystem/).\n\n"
            "- first point\n- second point"
        ),
        campaign__goal=goal,
    )
    delivery = DeliveryFactory(step=step, campaign=step.campaign)
    message = personalise(Template.for_step(step), member=delivery.member, campaign=step.campaign, delivery=delivery)
    assert "**" not in message.text
    assert "](" not in message.text
    assert "Join the working group <http://testserver/campaigns/c/" in message.text
    assert "- first point\n- second point" in message.text
    # Every link in the text is absolute and tracked, and leads where the HTML part's link leads.
    paths = re.findall(r"<http://testserver(/campaigns/c/[^>]+)>", message.text.split("\n--\n")[0])
    assert len(paths) == 2
    assert [client.get(path)["Location"] for path in paths] == [
        f"http://testserver{goal.get_absolute_url()}",
        "http://testserver/ecosystem/",
    ]
    assert "(/ecosystem/)" not in message.text


def test_a_preview_has_absolute_untracked_links_in_its_plain_text():
    step = CampaignStepFactory.create(body="See [the library](/ecosystem/red-flags/).")
    message = personalise(Template.for_step(step), member=MemberFactory(), campaign=step.campaign, delivery=None)
    assert "See the library <http://testserver/ecosystem/red-flags/>." in message.text
