from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.segments import RULE_FIELDS, segment_members, segment_preview, validate_rules
from engagement.models import LifecycleStage, MemberEngagement
from initiatives.models import Participation, ParticipationStatus
from members.consent import consent_give, email_consent_wording
from members.models import Activity, ConsentMethod, EmailConsent, Member, Verb
from personas.models import Sector
from tests.initiatives.factories import InitiativeFactory, ParticipationFactory
from tests.members.factories import MemberFactory, OrganisationFactory
from tests.personas.factories import PersonaFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"field": "sector"}, "Rules are a list"),
        ([{"field": "shoe_size", "value": 42}], "unknown field 'shoe_size'"),
        ([{"field": "sector", "value": ["banks"]}], "unknown value(s) 'banks'"),
        ([{"field": "sector", "value": []}], "non-empty list"),
        ([{"field": "country", "value": ["XX"]}], "unknown value(s) 'XX'"),
        ([{"field": "stage", "value": ["asleep"]}], "Lifecycle stage: unknown value(s) 'asleep'"),
        ([{"field": "stage", "value": "engaged"}], "Lifecycle stage: give a non-empty list"),
        ([{"field": "persona", "value": [999999]}], "no persona with id 999999"),
        ([{"field": "in_initiative", "value": "12"}], "no initiative with id '12'"),
        ([{"field": "joined_after", "value": "yesterday"}], "is not a date"),
        ([{"field": "consent_email", "value": "yes"}], "is not true or false"),
        ([{"field": "sector", "value": ["ngo"], "extra": 1}], 'write it as {"field"'),
    ],
)
def test_bad_rules_are_rejected_with_a_clear_error(rules, message):
    with pytest.raises(ValidationError) as raised:
        validate_rules(rules)
    assert message in " ".join(raised.value.messages)


def test_every_problem_is_reported_at_once_naming_the_rule():
    with pytest.raises(ValidationError) as raised:
        validate_rules([{"field": "sector", "value": ["x"]}, {"field": "nope", "value": 1}])
    assert [m[:7] for m in raised.value.messages] == ["Rule 1:", "Rule 2:"]


def test_rules_compile_to_one_query(django_assert_num_queries):
    initiative = InitiativeFactory()
    rules = [
        {"field": "sector", "value": ["ngo", "prosecutor"]},
        {"field": "not_in_initiative", "value": initiative.pk},
        {"field": "active_before", "value": "2030-01-01"},
    ]
    members = segment_members(rules)  # validation reads the initiative once
    with django_assert_num_queries(1):
        list(members)


def test_participation_and_activity_rules():
    initiative = InitiativeFactory()
    inside, outside, left = MemberFactory(), MemberFactory(), MemberFactory()
    ParticipationFactory(member=inside, initiative=initiative)
    ParticipationFactory(
        member=left, initiative=initiative, status=ParticipationStatus.LEFT, joined_at=None, left_at=datetime.now(UTC)
    )
    assert set(segment_members([{"field": "in_initiative", "value": initiative.pk}])) == {inside}
    assert set(segment_members([{"field": "not_in_initiative", "value": initiative.pk}])) == {outside, left}
    Activity.objects.create(member=outside, verb=Verb.LOGGED_IN, occurred_at=datetime(2026, 1, 5, tzinfo=UTC))
    Activity.objects.create(member=inside, verb=Verb.LOGGED_IN, occurred_at=datetime(2026, 3, 5, tzinfo=UTC))
    assert set(segment_members([{"field": "active_before", "value": "2026-02-01"}])) == {outside}
    assert set(segment_members([{"field": "active_after", "value": "2026-02-01"}])) == {inside}


def test_preview_counts_approved_members_and_samples_them():
    MemberFactory.create_batch(3, organisation__sector=Sector.NGO)
    MemberFactory(organisation__sector=Sector.NGO, status=Member.Status.SUSPENDED)
    MemberFactory(organisation__sector=Sector.PROSECUTOR)
    count, sample = segment_preview([{"field": "sector", "value": ["ngo"]}], sample_size=2)
    assert count == 3
    assert len(sample) == 2


# Property: any valid rule set compiles, runs, and matches exactly what a plain Python filter of the same
# members says.
DAYS = [date(2026, 1, 1) + timedelta(days=30 * n) for n in range(6)]


def _python_match(member, rule, participations, activity_days, unrecorded) -> bool:
    field, value = rule["field"], rule["value"]
    org = member.organisation
    if field == "stage":
        engagement = getattr(member, "engagement", None)
        return engagement is not None and engagement.stage in value
    if field == "sector":
        return org is not None and org.sector in value
    if field == "country":
        return org is not None and org.country.code in value
    if field == "persona":
        return member.persona_id in value
    if field == "organisation":
        return member.organisation_id in value
    if field == "in_initiative":
        return (member.pk, value) in participations
    if field == "not_in_initiative":
        return (member.pk, value) not in participations
    day = date.fromisoformat(value) if isinstance(value, str) else None
    if field == "joined_after":
        return member.created_at.date() >= day
    if field == "joined_before":
        return member.created_at.date() < day
    days = activity_days.get(member.pk, [])
    if field == "active_after":
        return any(d >= day for d in days)
    if field == "active_before":
        return bool(days) and max(days) < day
    if field == "consent_email":
        return member.consent_email is value
    if field == "consent_unrecorded":
        return (member.pk in unrecorded) is value
    # The population rates no red flag and reports no outcome (tests/outcomes/test_panel.py tests these rules).
    if field in (
        "rated_red_flag_within_days",
        "used_red_flag_within_days",
        "organisation_reported_outcomes_within_days",
    ):
        return False
    if field == "organisation_not_reported_outcomes_within_days":
        return True
    raise AssertionError(field)


@pytest.fixture
def population():
    personas = [PersonaFactory(), PersonaFactory()]
    orgs = [
        OrganisationFactory(sector=sector, country=country)
        for sector, country in [(Sector.NGO, "GB"), (Sector.FINANCIAL_INSTITUTION, "US"), (Sector.PROSECUTOR, "GB")]
    ]
    initiatives = [InitiativeFactory(), InitiativeFactory()]
    members = []
    for n in range(12):
        member = MemberFactory(organisation=orgs[n % 3], persona=personas[n % 2] if n % 3 else None)
        member.consent_email = n % 4 != 0
        member.created_at = datetime.combine(DAYS[n % 6], datetime.min.time(), tzinfo=UTC) + timedelta(hours=n)
        member.save(update_fields=["consent_email", "created_at"])
        members.append(member)
        if n % 3 == 0:  # carried over unrecorded; every sixth member has since chosen on the profile
            EmailConsent.objects.create(member=member, given=member.consent_email, how=ConsentMethod.UNRECORDED)
        if n % 6 == 0:
            consent_give(member=member, how=ConsentMethod.PROFILE, wording=email_consent_wording())
        if n % 6:  # every sixth member has not been scored yet, so has no stage
            when = datetime(2026, 6, 1, tzinfo=UTC)
            stage = LifecycleStage.values[n % len(LifecycleStage.values)]
            MemberEngagement.objects.create(member=member, stage=stage, stage_since=when, computed_at=when)
        if n % 2:
            ParticipationFactory(member=member, initiative=initiatives[n % 4 // 2])
        if n % 5:
            when = datetime.combine(DAYS[(n * 2) % 6], datetime.min.time(), tzinfo=UTC) + timedelta(hours=3)
            Activity.objects.create(member=member, verb=Verb.LOGGED_IN, occurred_at=when)
    return {"personas": personas, "orgs": orgs, "initiatives": initiatives, "members": members}


def rule_strategy(population):
    day = st.sampled_from([d.isoformat() for d in DAYS] + ["2025-06-01", "2027-01-01"])
    values = {
        "sector": st.lists(st.sampled_from(Sector.values), min_size=1, max_size=3),
        "country": st.lists(st.sampled_from(["GB", "US", "FR"]), min_size=1, max_size=2),
        "stage": st.lists(st.sampled_from(LifecycleStage.values), min_size=1, max_size=3),
        "persona": st.lists(st.sampled_from([p.pk for p in population["personas"]]), min_size=1),
        "organisation": st.lists(st.sampled_from([o.pk for o in population["orgs"]]), min_size=1),
        "in_initiative": st.sampled_from([i.pk for i in population["initiatives"]]),
        "not_in_initiative": st.sampled_from([i.pk for i in population["initiatives"]]),
        "joined_after": day,
        "joined_before": day,
        "active_after": day,
        "active_before": day,
        "consent_email": st.booleans(),
        "consent_unrecorded": st.booleans(),
        "rated_red_flag_within_days": st.integers(min_value=1, max_value=400),
        "used_red_flag_within_days": st.integers(min_value=1, max_value=400),
        "organisation_reported_outcomes_within_days": st.integers(min_value=1, max_value=400),
        "organisation_not_reported_outcomes_within_days": st.integers(min_value=1, max_value=400),
    }
    assert set(values) == set(RULE_FIELDS), "a new rule field needs a strategy here"
    return st.sampled_from(sorted(values)).flatmap(
        lambda field: values[field].map(lambda value: {"field": field, "value": value})
    )


def test_random_rule_sets_never_error_and_match_a_python_filter(population):
    members = list(Member.objects.select_related("organisation", "engagement").order_by("pk"))
    active = Participation.objects.filter(status=ParticipationStatus.ACTIVE)
    participations = set(active.values_list("member_id", "initiative_id"))
    activity_days: dict[int, list[date]] = {}
    for member_id, when in Activity.objects.values_list("member_id", "occurred_at"):
        activity_days.setdefault(member_id, []).append(when.date())
    hows: dict[int, set[str]] = {}
    for member_id, how in EmailConsent.objects.values_list("member_id", "how"):
        hows.setdefault(member_id, set()).add(how)
    unrecorded = {member_id for member_id, seen in hows.items() if seen == {ConsentMethod.UNRECORDED}}

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(rule_strategy(population), max_size=4))
    def check(rules):
        expected = {
            m.pk
            for m in members
            if all(_python_match(m, rule, participations, activity_days, unrecorded) for rule in rules)
        }
        assert set(segment_members(rules).values_list("pk", flat=True)) == expected

    check()
