from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.advance import campaigns_advance
from campaigns.models import Campaign, CampaignStatus, CampaignStep, Delivery, DeliveryStatus, Segment
from initiatives.models import ParticipationStatus
from members.models import Member
from tests.api.conftest import assert_list_queries_constant
from tests.campaigns.factories import CampaignFactory, CampaignStepFactory, DeliveryFactory, SegmentFactory
from tests.ecosystem.factories import StageFactory, red_flag
from tests.initiatives.factories import InitiativeFactory, ParticipationFactory
from tests.members.factories import MemberFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
SEGMENTS = "/api/v1/segments/"
CAMPAIGNS = "/api/v1/campaigns/"
DELIVERIES = "/api/v1/deliveries/"


def step_body(position: int, **fields) -> dict:
    return {"position": position, "subject": f"Step {position}", "body": "Hello {name}.", **fields}


# Segments ------------------------------------------------------------------------------------------------


def test_segment_rules_are_stored_in_canonical_form(callers):
    response = callers["staff"].client.post(
        SEGMENTS, {"name": "NGOs", "rules": [{"field": "sector", "value": ["ngo", "ngo"]}]}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Segment.objects.get(name="NGOs").rules == [{"field": "sector", "value": ["ngo"]}]


def test_bad_rules_are_a_400_naming_each_rule_and_nothing_is_stored(callers):
    rules = [{"field": "sector", "value": ["ngo"]}, {"field": "shoe_size", "value": 42}, {"field": "sector"}]
    response = callers["staff"].client.post(SEGMENTS, {"name": "Bad", "rules": rules}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["rules"] == [
        "Rule 2: unknown field 'shoe_size' (known fields: sector, country, persona, stage, organisation, "
        "in_initiative, not_in_initiative, joined_after, joined_before, active_after, active_before, "
        "rated_red_flag_within_days, used_red_flag_within_days, organisation_reported_outcomes_within_days, "
        "organisation_not_reported_outcomes_within_days, consent_email, consent_unrecorded).",
        'Rule 3: write it as {"field": …, "value": …}.',
    ]
    assert not Segment.objects.filter(name="Bad").exists()


def test_a_patch_with_bad_rules_changes_nothing(callers):
    segment = SegmentFactory(rules=[{"field": "sector", "value": ["ngo"]}])
    response = callers["staff"].client.patch(
        f"{SEGMENTS}{segment.pk}/", {"description": "x", "rules": "sector=ngo"}, format="json"
    )
    assert response.status_code == 400
    segment.refresh_from_db()
    assert (segment.description, segment.rules) == ("", [{"field": "sector", "value": ["ngo"]}])


def test_preview_counts_approved_members_the_rules_match_live(callers):
    ngo = OrganisationFactory(sector="ngo")
    approved = MemberFactory.create_batch(3, organisation=ngo)
    MemberFactory(organisation=ngo, status=Member.Status.PENDING)
    MemberFactory(organisation=OrganisationFactory(sector="prosecutor"))
    segment = SegmentFactory(rules=[{"field": "sector", "value": ["ngo"]}])
    preview = callers["leadership"].client.get(f"{SEGMENTS}{segment.pk}/preview/").json()
    assert preview["count"] == 3
    assert sorted(row["id"] for row in preview["sample"]) == sorted(member.pk for member in approved)
    assert {row["organisation"] for row in preview["sample"]} == {ngo.name}
    MemberFactory(organisation=ngo)
    assert callers["leadership"].client.get(f"{SEGMENTS}{segment.pk}/preview/").json()["count"] == 4


def test_rules_are_previewed_before_a_segment_is_saved(callers):
    MemberFactory.create_batch(2, organisation=OrganisationFactory(sector="ngo"))
    MemberFactory(organisation=OrganisationFactory(sector="prosecutor"))
    staff = callers["staff"].client
    preview = staff.post(f"{SEGMENTS}preview/", {"rules": [{"field": "sector", "value": ["ngo"]}]}, format="json")
    assert preview.status_code == 200, preview.content
    assert preview.json()["count"] == 2
    refused = staff.post(f"{SEGMENTS}preview/", {"rules": [{"field": "sector", "value": ["pirates"]}]}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["rules"] == ["Rule 1: Sector: unknown value(s) 'pirates'."]
    assert not Segment.objects.exists()


def test_preview_of_rules_that_no_longer_hold_is_a_conflict(callers):
    initiative = InitiativeFactory()
    segment = SegmentFactory(rules=[{"field": "in_initiative", "value": initiative.pk}])
    initiative.delete()
    response = callers["staff"].client.get(f"{SEGMENTS}{segment.pk}/preview/")
    assert response.status_code == 409
    assert "no initiative with id" in response.json()["error"]["message"]


def test_a_segment_a_campaign_uses_cannot_be_deleted(callers):
    campaign = CampaignFactory()
    response = callers["staff"].client.delete(f"{SEGMENTS}{campaign.segment_id}/")
    assert response.status_code == 409
    assert Segment.objects.filter(pk=campaign.segment_id).exists()


def test_segment_list_queries_are_constant(callers, django_assert_num_queries):
    SegmentFactory()
    assert_list_queries_constant(
        django_assert_num_queries, callers["staff"].client, SEGMENTS, lambda: SegmentFactory.create_batch(3), 5
    )


# Campaigns -----------------------------------------------------------------------------------------------


def test_a_campaign_is_created_with_its_steps(callers):
    segment = SegmentFactory()
    body = {
        "name": "Welcome",
        "segment": segment.pk,
        "allowed_link_hosts": "www.fincen.gov",
        "steps": [
            step_body(1, body="Read [the advisory](https://www.fincen.gov/advisory)."),
            step_body(2, delay="3 00:00:00", condition="previous_not_opened", channel="both"),
        ],
    }
    response = callers["staff"].client.post(CAMPAIGNS, body, format="json")
    assert response.status_code == 201, response.content
    campaign = Campaign.objects.get(name="Welcome")
    assert campaign.status == CampaignStatus.DRAFT
    steps = list(campaign.steps.order_by("position").values_list("position", "delay", "condition", "channel"))
    assert steps == [(1, timedelta(0), "always", "email"), (2, timedelta(days=3), "previous_not_opened", "both")]
    assert [step["position"] for step in response.json()["steps"]] == [1, 2]


@pytest.mark.parametrize(
    ("steps", "field", "message"),
    [
        ([step_body(1), step_body(3)], None, "Number the steps 1, 2, 3"),
        ([step_body(1), step_body(1)], None, "Number the steps 1, 2, 3"),
        ([step_body(1, condition="previous_opened")], "condition", "The first step has no previous message"),
        ([step_body(1, body="See [this](https://evil.example/x).")], "body", "leaves this site"),
        ([step_body(1, body="Hi {nickname}")], "body", "Unknown placeholder {nickname}"),
        ([step_body(1, delay="-1 00:00:00")], "delay", "greater than or equal to 0:00:00"),
    ],
)
def test_bad_steps_are_a_400_and_nothing_is_stored(callers, steps, field, message):
    body = {"name": "Bad", "segment": SegmentFactory().pk, "steps": steps}
    response = callers["staff"].client.post(CAMPAIGNS, body, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()["error"]["fields"]["steps"]
    text = str(errors) if field is None else str([step[field] for step in errors.values()])
    assert message in text
    assert not Campaign.objects.filter(name="Bad").exists()
    assert not CampaignStep.objects.exists()


def test_a_drafts_steps_are_replaced_as_a_whole(callers):
    first = CampaignStepFactory(position=1)
    CampaignStepFactory(campaign=first.campaign, position=2)
    response = callers["staff"].client.patch(
        f"{CAMPAIGNS}{first.campaign_id}/", {"steps": [step_body(1, subject="Only")]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [step["subject"] for step in response.json()["steps"]] == ["Only"]
    assert list(first.campaign.steps.values_list("subject", flat=True)) == ["Only"]


def test_narrowing_the_link_allow_list_is_refused_while_a_step_links_there(callers):
    campaign = CampaignFactory(allowed_link_hosts="www.fincen.gov\nwww.europol.europa.eu")
    CampaignStepFactory(campaign=campaign, position=1, body="[Advisory](https://www.fincen.gov/a)")
    url = f"{CAMPAIGNS}{campaign.pk}/"
    refused = callers["staff"].client.patch(url, {"allowed_link_hosts": "www.europol.europa.eu"}, format="json")
    assert refused.status_code == 400
    assert "leaves this site" in str(refused.json()["error"]["fields"]["steps"]["0"]["body"])
    campaign.refresh_from_db()
    assert "www.fincen.gov" in campaign.link_hosts
    allowed = callers["staff"].client.patch(url, {"allowed_link_hosts": "www.fincen.gov"}, format="json")
    assert allowed.status_code == 200, allowed.content


def test_a_launched_campaigns_steps_cannot_change(callers):
    step = CampaignStepFactory(campaign=CampaignFactory(status=CampaignStatus.RUNNING, starts_at=timezone.now()))
    response = callers["staff"].client.patch(
        f"{CAMPAIGNS}{step.campaign_id}/", {"steps": [step_body(1, subject="New")]}, format="json"
    )
    assert response.status_code == 400
    assert "only while the campaign is a draft" in str(response.json()["error"]["fields"]["steps"])
    assert list(step.campaign.steps.values_list("pk", "subject")) == [(step.pk, step.subject)]
    renamed = callers["staff"].client.patch(f"{CAMPAIGNS}{step.campaign_id}/", {"name": "Renamed"}, format="json")
    assert renamed.status_code == 200


def test_a_running_campaign_cannot_be_deleted_until_cancelled(callers):
    delivery = DeliveryFactory(step__campaign=CampaignFactory(status=CampaignStatus.RUNNING))
    staff = callers["staff"].client
    assert staff.delete(f"{CAMPAIGNS}{delivery.campaign_id}/").status_code == 409
    assert Delivery.objects.filter(pk=delivery.pk).exists()
    assert staff.post(f"{CAMPAIGNS}{delivery.campaign_id}/cancel/").status_code == 200
    assert staff.delete(f"{CAMPAIGNS}{delivery.campaign_id}/").status_code == 204


def test_launch_pause_resume_and_cancel_go_through_the_engine(callers):
    staff = callers["staff"]
    campaign = CampaignStepFactory().campaign
    url = f"{CAMPAIGNS}{campaign.pk}"
    launched = staff.client.post(f"{url}/launch/")
    assert launched.status_code == 200, launched.content
    assert launched.json()["status"] == "running"
    campaign.refresh_from_db()
    assert (campaign.status, campaign.launched_by) == (CampaignStatus.RUNNING, staff.user)
    pending = DeliveryFactory(step=campaign.steps.get(), status=DeliveryStatus.PENDING)
    assert staff.client.post(f"{url}/pause/").json()["status"] == "paused"
    assert staff.client.post(f"{url}/resume/").json()["status"] == "running"
    assert staff.client.post(f"{url}/cancel/").json()["status"] == "cancelled"
    pending.refresh_from_db()
    assert (pending.status, pending.last_error) == (DeliveryStatus.SKIPPED, "Campaign cancelled.")


def test_a_launch_through_the_api_enrols_the_segment_at_the_next_engine_run(callers):
    ngo = OrganisationFactory(sector="ngo")
    members = MemberFactory.create_batch(2, organisation=ngo)
    MemberFactory(organisation=OrganisationFactory(sector="prosecutor"))
    segment = SegmentFactory(rules=[{"field": "sector", "value": ["ngo"]}])
    campaign = CampaignStepFactory(campaign__segment=segment).campaign
    staff = callers["staff"].client
    assert staff.post(f"{CAMPAIGNS}{campaign.pk}/launch/").status_code == 200
    campaigns_advance()
    listed = staff.get(DELIVERIES, {"campaign": campaign.pk}).json()["results"]
    assert sorted(row["member"] for row in listed) == sorted(member.pk for member in members)
    assert staff.get(f"{CAMPAIGNS}{campaign.pk}/results/").json()[0]["total"] == 2


def test_a_campaign_launched_for_later_is_scheduled(callers):
    campaign = CampaignStepFactory(campaign__starts_at=timezone.now() + timedelta(days=2)).campaign
    response = callers["staff"].client.post(f"{CAMPAIGNS}{campaign.pk}/launch/")
    assert response.json()["status"] == "scheduled"


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        (CampaignStatus.RUNNING, "launch", "is running: it cannot be launched"),
        (CampaignStatus.DRAFT, "pause", "is draft: it cannot be paused"),
        (CampaignStatus.RUNNING, "resume", "is running: it cannot be resumed"),
        (CampaignStatus.COMPLETED, "cancel", "is completed: it cannot be cancelled"),
    ],
)
def test_an_invalid_transition_is_a_409_and_changes_nothing(callers, status, action, message):
    campaign = CampaignStepFactory(campaign__status=status, campaign__starts_at=timezone.now()).campaign
    before = Campaign.objects.filter(pk=campaign.pk).values().get()
    response = callers["staff"].client.post(f"{CAMPAIGNS}{campaign.pk}/{action}/")
    assert response.status_code == 409
    assert message in response.json()["error"]["message"]
    assert Campaign.objects.filter(pk=campaign.pk).values().get() == before


def test_a_campaign_without_steps_cannot_be_launched(callers):
    campaign = CampaignFactory()
    response = callers["staff"].client.post(f"{CAMPAIGNS}{campaign.pk}/launch/")
    assert response.status_code == 409
    assert "has no steps yet" in response.json()["error"]["message"]
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_leadership_reads_campaigns_but_cannot_run_them(callers):
    campaign = CampaignStepFactory().campaign
    leadership = callers["leadership"].client
    assert leadership.get(f"{CAMPAIGNS}{campaign.pk}/").status_code == 200
    assert leadership.post(f"{CAMPAIGNS}{campaign.pk}/launch/").status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_results_per_step(callers):
    goal = InitiativeFactory()
    first = CampaignStepFactory(position=1, campaign__goal=goal, campaign__status=CampaignStatus.RUNNING)
    second = CampaignStepFactory(position=2, campaign=first.campaign)
    now = timezone.now()
    sent = [
        DeliveryFactory(step=first, status=DeliveryStatus.SENT, sent_at=now - timedelta(hours=1), opened_at=now)
        for _ in range(3)
    ]
    sent[0].clicked_at = now
    sent[0].save()
    ParticipationFactory(member=sent[0].member, initiative=goal, status=ParticipationStatus.ACTIVE, joined_at=now)
    DeliveryFactory(step=first, status=DeliveryStatus.SUPPRESSED)
    DeliveryFactory(step=first, status=DeliveryStatus.FAILED)
    DeliveryFactory(step=first, status=DeliveryStatus.DEFERRED, next_attempt_at=now)
    DeliveryFactory(step=first, status=DeliveryStatus.BOUNCED, sent_at=now)
    DeliveryFactory(step=second, status=DeliveryStatus.PENDING)
    rows = callers["leadership"].client.get(f"{CAMPAIGNS}{first.campaign_id}/results/").json()
    assert [(row["position"], row["total"]) for row in rows] == [(1, 7), (2, 1)]
    first_row = rows[0]
    names = ("sent", "deferred", "bounced", "suppressed", "failed", "opened", "clicked", "converted")
    counts = {name: first_row[name] for name in names}
    assert counts == {
        "sent": 3,
        "deferred": 1,
        "bounced": 1,
        "suppressed": 1,
        "failed": 1,
        "opened": 3,
        "clicked": 1,
        "converted": 1,
    }
    assert first_row["waiting"] == 0  # a deferred row is counted apart from the waiting ones
    assert rows[1]["waiting"] == 1


def test_steps_link_to_stages_and_published_red_flags_only(callers):
    stage = StageFactory()
    published, draft = red_flag(stage=stage), red_flag(stage=stage, publish=False)
    body = {
        "name": "Typology training",
        "segment": SegmentFactory().pk,
        "steps": [step_body(1, stages=[stage.pk], red_flags=[published.pk]), step_body(2)],
    }
    response = callers["staff"].client.post(CAMPAIGNS, body, format="json")
    assert response.status_code == 201, response.content
    first, second = Campaign.objects.get(name="Typology training").steps.order_by("position")
    assert list(first.stages.all()) == [stage]
    assert list(first.red_flags.all()) == [published]
    assert not second.stages.exists()
    assert response.json()["steps"][0]["red_flags"] == [published.pk]

    body["name"] = "Draft flag"
    body["steps"] = [step_body(1, red_flags=[draft.pk])]
    refused = callers["staff"].client.post(CAMPAIGNS, body, format="json")
    assert refused.status_code == 400
    assert "red_flags" in str(refused.json()["error"]["fields"]["steps"])
    assert not Campaign.objects.filter(name="Draft flag").exists()


def test_campaign_list_queries_are_constant(callers, django_assert_num_queries):
    CampaignStepFactory()

    def grow():
        for _ in range(3):
            for step in CampaignStepFactory.create_batch(2, campaign=CampaignFactory()):
                step.stages.add(StageFactory())
                step.red_flags.add(red_flag())

    assert_list_queries_constant(django_assert_num_queries, callers["staff"].client, CAMPAIGNS, grow, 8)


# Deliveries ----------------------------------------------------------------------------------------------


def test_deliveries_filter_by_campaign_step_status_and_member(callers):
    step = CampaignStepFactory(position=1)
    later = CampaignStepFactory(position=2, campaign=step.campaign)
    member = MemberFactory()
    mine = DeliveryFactory(step=step, member=member, status=DeliveryStatus.SENT, sent_at=timezone.now())
    DeliveryFactory(step=later, member=member)
    DeliveryFactory(step=step)
    other = DeliveryFactory()
    client = callers["leadership"].client

    def ids(**query) -> set[int]:
        response = client.get(DELIVERIES, query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert len(ids(campaign=step.campaign_id)) == 3
    assert other.pk not in ids(campaign=step.campaign_id)
    assert len(ids(step=step.pk)) == 2
    assert ids(step=step.pk, member=member.pk) == {mine.pk}
    assert ids(status="sent") == {mine.pk}
    detail = client.get(f"{DELIVERIES}{mine.pk}/").json()
    assert (detail["step_position"], detail["status"], detail["member"]) == (1, "sent", member.pk)


@pytest.mark.parametrize(
    "query",
    [{"status": "lost"}, {"campaign": "999999"}, {"member": "x"}, {"step": ""}, {"campaign": ["1", ""]}],
)
def test_a_bad_delivery_filter_is_a_400(callers, query):
    response = callers["staff"].client.get(DELIVERIES, query)
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == set(query)


def test_deliveries_cannot_be_written(callers):
    delivery = DeliveryFactory()
    staff = callers["staff"].client
    assert staff.patch(f"{DELIVERIES}{delivery.pk}/", {"status": "sent"}, format="json").status_code == 405
    assert staff.delete(f"{DELIVERIES}{delivery.pk}/").status_code == 405
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING


@pytest.mark.parametrize(("query", "queries"), [("", 5), ("?campaign={campaign}&status=pending", 6)])
def test_delivery_list_queries_are_constant(callers, django_assert_num_queries, query, queries):
    step = CampaignStepFactory()
    DeliveryFactory(step=step)
    assert_list_queries_constant(
        django_assert_num_queries,
        callers["staff"].client,
        DELIVERIES + query.format(campaign=step.campaign_id),
        lambda: DeliveryFactory.create_batch(3, step=step),
        queries,
    )


def test_staff_read_a_campaigns_bounce_rates_per_step(callers, settings, django_assert_num_queries):
    from campaigns.bounces import bounce_record
    from campaigns.models import BounceKind, Channel

    settings.KNOBLE_BOUNCE_ADDRESS = "bounces@example.org"
    first = CampaignStepFactory(position=1)
    now = timezone.now()
    sent = [
        DeliveryFactory(step=first, status=DeliveryStatus.SENT, channel=Channel.EMAIL, sent_at=now, finished_at=now)
        for _ in range(4)
    ]
    for number, (delivery, kind) in enumerate([(sent[0], BounceKind.HARD), (sent[1], BounceKind.SOFT)]):
        bounce_record(
            delivery_id=delivery.pk, kind=kind, action="failed", status="5.1.1", diagnostic="", message_key=f"k{number}"
        )
    url = f"{CAMPAIGNS}{first.campaign_id}/bounces/"
    assert callers["leadership"].client.get(url).status_code == 403
    with django_assert_num_queries(10):  # the same for any number of deliveries
        rows = callers["staff"].client.get(url).json()
    assert rows[0] == {"step": None, "position": None, "emailed": 4, "bounced": 2, "hard": 1, "soft": 1, "rate": 0.5}
    assert (rows[1]["step"], rows[1]["bounced"]) == (first.pk, 2)
