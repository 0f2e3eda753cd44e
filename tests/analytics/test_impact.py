"""Roadmap impact: the lift against hand-built cohorts, "not enough data" under the minimum group, jobs before and
after, votes and ideas, red-flag outcomes under the three-organisation rule."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from analytics.impact import MIN_GROUP
from analytics.models import ImpactCohort, ImpactJob, ImpactOutcome, ImpactScope, RoadmapImpact
from analytics.panels.impact import change_text, lift_text
from analytics.rollups import rollups_refresh
from engagement.models import LifecycleStage, StageTransition
from personas.models import Sector
from roadmap.models import ItemStatus, RoadmapItem
from tests.initiatives.factories import InitiativeFactory, ParticipationFactory
from tests.members.factories import MemberFactory, OrganisationFactory
from tests.personas.factories import JobFactory, PersonaFactory
from tests.roadmap.factories import make_roadmap, place

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
ACTIVATED_ON = datetime(2026, 1, 5, 9, tzinfo=UTC)
JOINED = datetime(2026, 3, 4, 10, tzinfo=UTC)  # a Wednesday: the window opens on Monday 2 March, for 90 days
IN_WINDOW = datetime(2026, 4, 1, 10, tzinfo=UTC)
AFTER_WINDOW = datetime(2026, 7, 1, 10, tzinfo=UTC)


def member(organisation, persona, *, up_at=None):
    """An approved member, activated in January, who moves up to engaged at `up_at` (if given)."""
    someone = MemberFactory(organisation=organisation, persona=persona)
    StageTransition.objects.create(member=someone, from_stage="", to_stage=LifecycleStage.ACTIVATED, at=ACTIVATED_ON)
    if up_at:
        StageTransition.objects.create(
            member=someone, from_stage=LifecycleStage.ACTIVATED, to_stage=LifecycleStage.ENGAGED, at=up_at
        )
    return someone


def cohorts(participants: int, *, moved: int):
    """`participants` members who joined an initiative launched from an item (`moved` of them moved up in their
    window), and ten matched members who did not (two moved up in the window, one after it); three members of
    another sector, who all moved up, must not count."""
    roadmap = make_roadmap()
    item = place(roadmap, 1, 3)
    initiative = InitiativeFactory(roadmap_item=item)
    ngo = OrganisationFactory(sector=Sector.NGO, country="NL")
    bank = OrganisationFactory(sector=Sector.FINANCIAL_INSTITUTION, country="GB")
    persona = PersonaFactory()
    for index in range(participants):
        someone = member(ngo, persona, up_at=IN_WINDOW if index < moved else None)
        ParticipationFactory(member=someone, initiative=initiative, requested_at=JOINED, joined_at=JOINED)
    for index in range(10):
        member(ngo, persona, up_at=IN_WINDOW if index < 2 else AFTER_WINDOW if index == 2 else None)
    for _ in range(3):
        member(bank, persona, up_at=IN_WINDOW)
    rollups_refresh(now=NOW)
    return item, persona


def test_the_lift_compares_participants_with_matched_members():
    item, persona = cohorts(MIN_GROUP, moved=6)
    impact = RoadmapImpact.objects.get(scope=ImpactScope.ITEM, item=item)
    assert (impact.members, impact.organisations, impact.initiatives) == (MIN_GROUP, 1, 1)
    assert (impact.participants, impact.comparison_members) == (MIN_GROUP, 10)
    assert (impact.participant_rate, impact.comparison_rate, impact.lift) == (60.0, 20.0, 40.0)
    cell = ImpactCohort.objects.get(impact=impact)
    assert (cell.persona_id, cell.sector, cell.stage) == (persona.pk, Sector.NGO, LifecycleStage.ACTIVATED)
    assert (cell.participants, cell.participants_moved, cell.comparison, cell.comparison_moved) == (10, 6, 10, 2)
    # The horizon and the roadmap hold the same members.
    for scope in (ImpactScope.HORIZON, ImpactScope.ROADMAP):
        assert RoadmapImpact.objects.get(scope=scope, roadmap=item.roadmap).lift == 40.0


def test_under_the_minimum_group_the_lift_is_not_enough_data():
    item, _persona = cohorts(MIN_GROUP - 1, moved=6)
    impact = RoadmapImpact.objects.get(scope=ImpactScope.ITEM, item=item)
    assert impact.participants == MIN_GROUP - 1
    assert impact.participant_rate == pytest.approx(66.7)
    assert impact.lift is None


def test_jobs_show_the_latest_survey_before_and_after_the_item_was_done():
    from voice.models import Survey, SurveyAnswer, SurveyResponse, SurveyStatus

    persona = PersonaFactory()
    job = JobFactory(persona=persona)
    roadmap = make_roadmap()
    item = place(roadmap, 1, 3)
    item.opportunity.jobs.add(job)
    RoadmapItem.objects.filter(pk=item.pk).update(status=ItemStatus.DONE)
    item.refresh_from_db()
    item.save()  # a history row marks the day it was done
    RoadmapItem.history.filter(id=item.pk, status=ItemStatus.DONE).update(history_date=datetime(2026, 3, 1, tzinfo=UTC))
    someone = MemberFactory(persona=persona)
    for day, satisfaction in ((date(2025, 11, 1), 2), (date(2026, 1, 10), 1), (date(2026, 5, 1), 5)):
        survey = Survey.objects.create(persona=persona, title=str(day), status=SurveyStatus.CLOSED)
        response = SurveyResponse.objects.create(
            survey=survey, member=someone, submitted_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC)
        )
        SurveyAnswer.objects.create(response=response, job=job, importance=5, satisfaction=satisfaction)
    rollups_refresh(now=NOW)
    row = ImpactJob.objects.get(job=job)
    assert (row.satisfaction_before, row.surveyed_before) == (Decimal("0.0"), date(2026, 1, 10))
    assert (row.satisfaction_after, row.surveyed_after) == (Decimal("10.0"), date(2026, 5, 1))
    impact = RoadmapImpact.objects.get(item=item)
    assert (impact.done_on, impact.jobs, impact.satisfaction_change) == (date(2026, 3, 1), 1, 10.0)


def test_outcomes_need_three_organisations_and_votes_and_ideas_are_counted():
    from outcomes.models import OutcomeReport
    from tests.ecosystem.factories import red_flag as make_red_flag
    from voice.models import Idea, IdeaStatus, Vote

    roadmap = make_roadmap()
    item = place(roadmap, 1, 3)
    shown, hidden = make_red_flag(), make_red_flag()
    InitiativeFactory(roadmap_item=item).red_flags.add(shown, hidden)
    for red_flag, organisations in ((shown, 3), (hidden, 2)):
        for _ in range(organisations):
            reporter = MemberFactory()
            OutcomeReport.objects.create(
                red_flag=red_flag,
                organisation=reporter.organisation,
                member=reporter,
                sector=Sector.FINANCIAL_INSTITUTION,
                jurisdiction="GB",
                period_start=date(2026, 1, 1),
                period_end=date(2026, 3, 31),
                reports_filed=2,
            )
    voter = MemberFactory()
    Vote.objects.create(member=voter, opportunity=item.opportunity)
    Idea.objects.create(
        author=voter, title="Alerts", problem="p", status=IdeaStatus.TRIAGED, opportunity=item.opportunity
    )
    rollups_refresh(now=NOW)
    impact = RoadmapImpact.objects.get(item=item)
    assert (impact.outcome_subjects, impact.outcome_reports, impact.votes, impact.ideas) == (1, 3, 1, 1)
    assert list(
        ImpactOutcome.objects.filter(impact=impact).values_list("red_flag", "organisations", "reports_filed")
    ) == [(shown.pk, 3, 6)]
    assert impact.lift is None
    assert impact.participants == 0


def test_a_second_refresh_replaces_the_rows():
    item, _persona = cohorts(MIN_GROUP, moved=6)
    rollups_refresh(now=NOW + timedelta(days=1))
    assert RoadmapImpact.objects.filter(item=item).count() == 1
    assert ImpactCohort.objects.count() == 3


@pytest.mark.parametrize(
    ("language", "lift", "change"),
    [("en", "+3.5 points", "-1.5"), ("es", "+3,5 puntos", "-1,5"), ("fr", "+3,5 points", "-1,5")],
)
def test_lift_and_change_are_written_in_the_readers_notation(language, lift, change):
    with translation.override(language):
        assert lift_text(3.5) == lift
        assert change_text(-1.5) == change
