import json
from datetime import timedelta

import pytest
from django.contrib.admin import helpers
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus, CampaignStep, DeliveryStatus, Segment
from engagement.models import LifecycleStage, MemberEngagement
from personas.models import Sector
from tests.campaigns.factories import CampaignFactory, CampaignStepFactory, DeliveryFactory, SegmentFactory
from tests.initiatives.factories import InitiativeFactory, ParticipationFactory
from tests.members.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, without_mfa_requirement):
    client.force_login(staff_user(email="staff@knoble.example", first_name="Sam", last_name="Staff"))
    return client


def campaign_form(campaign_fields: dict, steps: list[dict]) -> dict:
    data = {
        "name": "Welcome",
        "segment": "",
        "goal": "",
        "starts_at_0": "",
        "starts_at_1": "",
        "allowed_link_hosts": "",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "1",
        "steps-MAX_NUM_FORMS": "1000",
        **campaign_fields,
    }
    for index, step in enumerate(steps):
        defaults = {"position": index + 1, "delay": "0", "channel": "email", "condition": "always", "subject": "Hi"}
        data |= {f"steps-{index}-{key}": value for key, value in (defaults | step).items()}
    return data


def test_staff_build_a_campaign_with_inline_steps(staff_client):
    segment = SegmentFactory()
    response = staff_client.post(
        reverse("admin:campaigns_campaign_add"),
        campaign_form(
            {"segment": segment.pk, "allowed_link_hosts": "www.fincen.gov"},
            [
                {"body": "Welcome {name}: [the advisory](https://www.fincen.gov/advisory)"},
                {"body": "Still there?", "delay": "3 00:00:00", "condition": "previous_not_opened"},
            ],
        ),
    )
    assert response.status_code == 302, response.context["adminform"].errors if response.context else ""
    campaign = Campaign.objects.get(name="Welcome")
    assert list(campaign.steps.values_list("position", "delay")) == [(1, timedelta(0)), (2, timedelta(days=3))]


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"body": "[free money](https://evil.example/)"}, "leaves this site"),
        ({"body": "Hello {nickname}"}, "Unknown placeholder {nickname}"),
        ({"body": "Hi", "condition": "previous_opened"}, "The first step has no previous message"),
    ],
)
def test_bad_steps_are_refused_with_a_clear_message(staff_client, step, message):
    response = staff_client.post(
        reverse("admin:campaigns_campaign_add"), campaign_form({"segment": SegmentFactory().pk}, [step])
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Campaign.objects.exists()


def test_the_segment_form_refuses_unknown_fields(staff_client):
    response = staff_client.post(
        reverse("admin:campaigns_segment_add"),
        {"name": "Bad", "description": "", "rules": json.dumps([{"field": "shoe_size", "value": 9}])},
    )
    assert response.status_code == 200
    assert "unknown field &#x27;shoe_size&#x27;" in response.content.decode()
    assert not Segment.objects.exists()


def test_the_segment_preview_shows_the_live_count_and_a_sample_before_saving(staff_client):
    MemberFactory(user__first_name="Ada", user__last_name="Ngo", organisation__sector=Sector.NGO)
    MemberFactory(organisation__sector=Sector.PROSECUTOR)
    url = reverse("admin:campaigns_segment_preview")
    response = staff_client.post(url, {"rules": json.dumps([{"field": "sector", "value": ["ngo"]}])})
    assert response.status_code == 200
    assert "<strong>1</strong> approved member matches" in response.content.decode()
    assert "Ada Ngo" in response.content.decode()
    refused = staff_client.post(url, {"rules": '[{"field": "sector", "value": ["banks"]}]'})
    assert "unknown value(s) &#x27;banks&#x27;" in refused.content.decode()
    assert "not JSON" in staff_client.post(url, {"rules": "[{"}).content.decode()
    # The change form of a saved segment carries the preview and its button.
    segment = SegmentFactory(rules=[{"field": "sector", "value": ["ngo"]}])
    page = staff_client.get(reverse("admin:campaigns_segment_change", args=[segment.pk])).content.decode()
    assert "Preview the rules as typed" in page
    assert "vendor/htmx/htmx.min.js" in page


def test_the_segment_preview_filters_by_lifecycle_stage(staff_client):
    now = timezone.now()
    for first_name, stage in [("Eve", LifecycleStage.ENGAGED), ("Dan", LifecycleStage.DORMANT)]:
        member = MemberFactory(user__first_name=first_name, user__last_name="Stage")
        MemberEngagement.objects.create(member=member, stage=stage, stage_since=now, computed_at=now)
    MemberFactory(user__first_name="Una", user__last_name="Scored")  # not scored yet: no stage
    url = reverse("admin:campaigns_segment_preview")
    rules = [{"field": "stage", "value": ["engaged", "collaborating"]}]
    page = staff_client.post(url, {"rules": json.dumps(rules)}).content.decode()
    assert "<strong>1</strong> approved member matches" in page
    assert "Eve Stage" in page
    assert "Dan Stage" not in page
    assert "Una Scored" not in page
    refused = staff_client.post(url, {"rules": '[{"field": "stage", "value": ["asleep"]}]'}).content.decode()
    assert "Lifecycle stage: unknown value(s) &#x27;asleep&#x27;" in refused
    # Stages read by their names, never the bare stored "pending" (which elsewhere means awaiting approval).
    assert "&#x27;pending&#x27; (Not yet activated)" in refused
    assert "Lifecycle stage: Collaborating, Engaged" in page
    named = staff_client.post(url, {"rules": '[{"field": "stage", "value": ["pending"]}]'}).content.decode()
    assert "Lifecycle stage: Not yet activated" in named
    form = staff_client.get(reverse("admin:campaigns_segment_add")).content.decode()
    assert '"pending" means Not yet activated' in form


def test_actions_launch_pause_resume_and_cancel(staff_client, django_capture_on_commit_callbacks):
    campaign = CampaignFactory()
    CampaignStepFactory(campaign=campaign, position=1)
    changelist = reverse("admin:campaigns_campaign_changelist")
    for action, status in [
        ("launch", CampaignStatus.RUNNING),
        ("pause", CampaignStatus.PAUSED),
        ("resume", CampaignStatus.RUNNING),
        ("cancel", CampaignStatus.CANCELLED),
    ]:
        with django_capture_on_commit_callbacks():  # the engine's run is not the point here
            staff_client.post(changelist, {"action": action, helpers.ACTION_CHECKBOX_NAME: [campaign.pk]})
        campaign.refresh_from_db()
        assert campaign.status == status
    response = staff_client.post(
        changelist, {"action": "launch", helpers.ACTION_CHECKBOX_NAME: [campaign.pk]}, follow=True
    )
    assert "is cancelled: it cannot be launched" in response.content.decode()


def test_a_test_send_goes_to_the_staff_member_only(staff_client, django_capture_on_commit_callbacks):
    MemberFactory()
    campaign = CampaignFactory()
    CampaignStepFactory(campaign=campaign, position=1, subject="Welcome {name}")
    CampaignStepFactory(campaign=campaign, position=2, subject="Part two")
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("admin:campaigns_campaign_changelist"),
            {"action": "test_send", helpers.ACTION_CHECKBOX_NAME: [campaign.pk]},
        )
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["staff@knoble.example"], "[Test] Welcome Sam Staff"),
        (["staff@knoble.example"], "[Test] Part two"),
    ]
    assert not campaign.deliveries.exists()


def test_the_preview_shows_each_step_for_a_chosen_member(staff_client):
    goal = InitiativeFactory(title="Typology training")
    MemberFactory(user__email="noor@bank.example", user__first_name="Noor", organisation__name="Harbour CU")
    campaign = CampaignFactory(goal=goal)
    CampaignStepFactory(campaign=campaign, position=1, body="Dear {name} at {organisation}: join {goal}.")
    url = reverse("admin:campaigns_campaign_preview", args=[campaign.pk])
    page = staff_client.get(url, {"member": "noor@bank.example"}).content.decode()
    assert "at Harbour CU: join Typology training." in page
    assert "No member has the e-mail address" in staff_client.get(url, {"member": "x@y.example"}).content.decode()


def test_the_preview_never_renders_a_link_a_placeholder_filled_with_a_script(staff_client):
    MemberFactory(user__email="eve@bank.example", user__first_name="javascript:alert(1)//")
    campaign = CampaignFactory()
    CampaignStepFactory(campaign=campaign, position=1, body="[Your profile]({name})")  # saved before the rule
    url = reverse("admin:campaigns_campaign_preview", args=[campaign.pk])
    page = staff_client.get(url, {"member": "eve@bank.example"}).content.decode()
    assert "Your profile</a>" in page
    assert "href='javascript:" not in page
    assert 'href="javascript:' not in page


def test_the_change_page_shows_per_step_results_with_conversions(staff_client):
    goal = InitiativeFactory()
    campaign = CampaignFactory(goal=goal, status=CampaignStatus.RUNNING, track_opens=True)
    step = CampaignStepFactory(campaign=campaign, position=1)
    sent_at = timezone.now() - timedelta(days=2)
    converted, opened_only = MemberFactory(), MemberFactory()
    DeliveryFactory(step=step, member=converted, status=DeliveryStatus.SENT, sent_at=sent_at, clicked_at=sent_at)
    DeliveryFactory(step=step, member=opened_only, status=DeliveryStatus.SENT, sent_at=sent_at, opened_at=sent_at)
    DeliveryFactory(step=step, status=DeliveryStatus.SUPPRESSED)
    DeliveryFactory(step=step, status=DeliveryStatus.FAILED)
    DeliveryFactory(step=step, status=DeliveryStatus.DEFERRED, next_attempt_at=sent_at)
    DeliveryFactory(step=step, status=DeliveryStatus.BOUNCED, sent_at=sent_at)
    ParticipationFactory(member=converted, initiative=goal)  # joined after the message
    early = MemberFactory()
    ParticipationFactory(member=early, initiative=goal, requested_at=sent_at - timedelta(days=1))
    DeliveryFactory(step=step, member=early, status=DeliveryStatus.SENT, sent_at=sent_at)  # joined before: no credit
    page = staff_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()
    cells = (
        "<td>7</td><td>0</td><td>3</td>\n        <td>1</td><td>1</td><td>0</td>\n"
        "        <td>1</td><td>1</td><td>1</td><td>1</td>\n        <td>1</td>"
    )
    assert cells in page


# The user with its permissions (the session is in the cache), the page's count and rows, and one query per filter
# that lists choices.
DELIVERY_LOG_QUERIES = 8
CAMPAIGN_LIST_QUERIES = 4


def test_the_delivery_log_filters_and_keeps_its_query_count(staff_client, django_assert_num_queries):
    step = CampaignStepFactory(campaign__status=CampaignStatus.RUNNING)
    url = reverse("admin:campaigns_delivery_changelist")
    for batch in (2, 30):
        DeliveryFactory.create_batch(batch, step=step)
        with django_assert_num_queries(DELIVERY_LOG_QUERIES):
            assert staff_client.get(url, {"status__exact": "pending"}).status_code == 200
    page = staff_client.get(url, {"status__exact": "sent"}).content.decode()
    assert "0 deliveries" in page


def test_the_campaign_list_keeps_its_query_count(staff_client, django_assert_num_queries):
    url = reverse("admin:campaigns_campaign_changelist")
    for batch in (1, 6):
        CampaignFactory.create_batch(batch, goal=InitiativeFactory())
        with django_assert_num_queries(CAMPAIGN_LIST_QUERIES):
            assert staff_client.get(url).status_code == 200


def test_steps_cannot_be_deleted_once_launched(staff_client):
    campaign = CampaignFactory(status=CampaignStatus.RUNNING)
    CampaignStepFactory(campaign=campaign, position=1)
    page = staff_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()
    assert "steps-0-DELETE" not in page
    assert CampaignStep.objects.count() == 1


def test_steps_are_shown_read_only_once_launched_and_a_posted_change_is_ignored(staff_client):
    campaign = CampaignFactory(status=CampaignStatus.RUNNING, name="Welcome")
    step = CampaignStepFactory(campaign=campaign, position=1, subject="Welcome, {name}", body="Hello")
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    page = staff_client.get(url).content.decode()
    assert 'name="steps-0-subject"' not in page
    assert "Welcome, {name}" in page  # shown, not editable
    form = campaign_form(
        {"segment": campaign.segment.pk, "steps-INITIAL_FORMS": "1"},
        [{"id": step.pk, "campaign": campaign.pk, "subject": "Changed", "body": "Changed"}, {"body": "New step"}],
    )
    form["steps-TOTAL_FORMS"] = "2"
    response = staff_client.post(url, form)
    assert response.status_code == 302
    step.refresh_from_db()
    assert (step.subject, step.body) == ("Welcome, {name}", "Hello")
    assert CampaignStep.objects.filter(campaign=campaign).count() == 1


def test_a_draft_s_steps_stay_editable(staff_client):
    campaign = CampaignFactory(status=CampaignStatus.DRAFT)
    CampaignStepFactory(campaign=campaign, position=1)
    page = staff_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()
    assert 'name="steps-0-subject"' in page


def test_the_change_page_shows_no_opens_when_opens_are_not_tracked(staff_client):
    campaign = CampaignFactory(status=CampaignStatus.RUNNING, track_opens=False)
    step = CampaignStepFactory(campaign=campaign, position=1)
    sent_at = timezone.now() - timedelta(days=1)
    DeliveryFactory(step=step, status=DeliveryStatus.SENT, sent_at=sent_at, clicked_at=sent_at, opened_at=sent_at)
    page = staff_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()
    assert "Per-step results" in page
    assert '<th scope="col">Opened</th>' not in page
    assert "Opens are not tracked for this campaign" in page
    tracked = CampaignFactory(status=CampaignStatus.RUNNING, track_opens=True)
    CampaignStepFactory(campaign=tracked, position=1)
    page = staff_client.get(reverse("admin:campaigns_campaign_change", args=[tracked.pk])).content.decode()
    assert '<th scope="col">Opened</th>' in page
