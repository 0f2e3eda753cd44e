"""Each formula against hand-computed cases; unrated opportunities are never scored as zero."""

import pytest
from django.core.exceptions import ValidationError

from roadmap.models import CriterionRole, CriterionSource, Direction, Formula, OpportunityStatus
from roadmap.ranking import compare_models, rank_opportunities, sensitivity
from tests.personas.factories import JobFactory
from tests.roadmap.factories import (
    CriterionFactory,
    OpportunityFactory,
    PrioritisationModelFactory,
    RatingFactory,
)

pytestmark = pytest.mark.django_db


def rate(opportunity, values):
    for criterion, value in values.items():
        RatingFactory(opportunity=opportunity, criterion=criterion, value=value)


def by_title(ranking):
    return {row.title: row for row in ranking.rows}


@pytest.fixture
def weighted_model():
    model = PrioritisationModelFactory(formula=Formula.WEIGHTED)
    return model, {
        "reach": CriterionFactory(model=model, name="Reach", weight=3, scale_min=0, scale_max=10),
        "impact": CriterionFactory(model=model, name="Impact", weight=1, scale_min=1, scale_max=5),
        "cost": CriterionFactory(model=model, name="Cost", weight=2, direction=Direction.COST),
        "risk": CriterionFactory(model=model, name="Risk", weight=2, direction=Direction.COST),
    }


def test_weighted_score_by_hand(weighted_model):
    model, c = weighted_model
    a, b, unrated = OpportunityFactory(title="A"), OpportunityFactory(title="B"), OpportunityFactory(title="C")
    # A: benefit (3×0.8 + 1×1.0)/4 = 0.85, cost (2×0.2 + 2×0.4)/4 = 0.3 → (0.85 + 0.7)/2 × 100 = 77.5
    rate(a, {c["reach"]: 8, c["impact"]: 5, c["cost"]: 2, c["risk"]: 4})
    # B: benefit (3×0.5 + 1×0.5)/4 = 0.5, cost 0.6 → (0.5 + 0.4)/2 × 100 = 45
    rate(b, {c["reach"]: 5, c["impact"]: 3, c["cost"]: 6, c["risk"]: 6})
    rate(unrated, {c["reach"]: 10, c["impact"]: 1, c["risk"]: 0})
    rows = by_title(rank_opportunities(model=model))
    assert rows["A"].score == pytest.approx(77.5)
    assert rows["B"].score == pytest.approx(45.0)
    assert (rows["A"].rank, rows["B"].rank) == (1, 2)
    assert rows["C"].score is None
    assert rows["C"].rank is None
    assert rows["C"].missing == 1
    assert [row.title for row in rank_opportunities(model=model).rows] == ["A", "B", "C"]


def test_benefit_only_model_and_the_criterion_fed_from_jobs():
    model = PrioritisationModelFactory()
    need = CriterionFactory(model=model, name="Unmet need", source=CriterionSource.JOBS, scale_min=0, scale_max=20)
    reach = CriterionFactory(model=model, name="Reach")
    served = OpportunityFactory(title="Served")
    served.jobs.add(JobFactory(importance=8, satisfaction=4), JobFactory(importance=9, satisfaction=9))  # 12 and 9
    rate(served, {reach: 4})
    no_jobs = OpportunityFactory(title="No jobs")
    rate(no_jobs, {reach: 10})
    rows = by_title(rank_opportunities(model=model))
    # the highest job score is 12 → 0.6; reach 0.4; equal weights → (0.6 + 0.4)/2 × 100 = 50
    assert rows["Served"].values[0] == pytest.approx(12.0)
    assert rows["Served"].score == pytest.approx(50.0)
    assert rows["No jobs"].score is None
    assert need.pk


def test_rice_by_hand_with_effort_from_the_opportunity_or_a_criterion():
    model = PrioritisationModelFactory(formula=Formula.RICE)
    reach = CriterionFactory(model=model, name="Reach", role=CriterionRole.REACH, scale_max=1000)
    impact = CriterionFactory(model=model, name="Impact", role=CriterionRole.IMPACT, scale_max=3)
    confidence = CriterionFactory(model=model, name="Confidence", role=CriterionRole.CONFIDENCE, scale_max=100)
    opportunity = OpportunityFactory(title="Case forum", effort_weeks=4)
    rate(opportunity, {reach: 500, impact: 2, confidence: 80})
    # 500 × 2 × 0.8 ÷ 4 = 200
    assert rank_opportunities(model=model).rows[0].score == pytest.approx(200.0)
    effort = CriterionFactory(model=model, name="Effort", role=CriterionRole.EFFORT, scale_min=1, scale_max=20)
    rate(opportunity, {effort: 5})
    assert rank_opportunities(model=model).rows[0].score == pytest.approx(160.0)


def test_wsjf_by_hand():
    model = PrioritisationModelFactory(formula=Formula.WSJF)
    value = CriterionFactory(model=model, name="Value", role=CriterionRole.VALUE)
    time = CriterionFactory(model=model, name="Time", role=CriterionRole.TIME_CRITICALITY)
    risk = CriterionFactory(model=model, name="Risk", role=CriterionRole.RISK_REDUCTION)
    first, second = (
        OpportunityFactory(title="First", effort_weeks=4),
        OpportunityFactory(title="Second", effort_weeks=2),
    )
    rate(first, {value: 8, time: 5, risk: 3})  # 16 ÷ 4 = 4
    rate(second, {value: 4, time: 4, risk: 2})  # 10 ÷ 2 = 5
    rows = rank_opportunities(model=model).rows
    assert [(row.title, row.score, row.rank) for row in rows] == [("Second", 5.0, 1), ("First", 4.0, 2)]


def test_a_formula_without_its_criteria_is_refused():
    model = PrioritisationModelFactory(formula=Formula.RICE)
    CriterionFactory(model=model, role=CriterionRole.REACH)
    with pytest.raises(ValidationError, match="impact"):
        rank_opportunities(model=model)


def test_ranking_filters_by_status(weighted_model):
    model, _ = weighted_model
    OpportunityFactory(title="Kept", status=OpportunityStatus.SHORTLISTED)
    OpportunityFactory(title="Rejected", status=OpportunityStatus.REJECTED)
    assert [r.title for r in rank_opportunities(model=model, statuses=["shortlisted"]).rows] == ["Kept"]


def test_comparison_gives_the_rank_in_each_model_and_the_change():
    reach_first = PrioritisationModelFactory(name="Reach first")
    cost_first = PrioritisationModelFactory(name="Cost first")
    reach = CriterionFactory(model=reach_first, name="Reach")
    cost = CriterionFactory(model=cost_first, name="Cost", direction=Direction.COST)
    wide, cheap = OpportunityFactory(title="Wide"), OpportunityFactory(title="Cheap")
    rate(wide, {reach: 9, cost: 8})
    rate(cheap, {reach: 3, cost: 1})
    rows = {row.title: row for row in compare_models(first=reach_first, second=cost_first)}
    assert (rows["Wide"].first_rank, rows["Wide"].second_rank, rows["Wide"].change) == (1, 2, -1)
    assert (rows["Cheap"].first_rank, rows["Cheap"].second_rank, rows["Cheap"].change) == (2, 1, 1)


def test_sensitivity_shows_the_top_ten_moving_with_each_weight():
    model = PrioritisationModelFactory()
    a = CriterionFactory(model=model, name="A", weight=1)
    b = CriterionFactory(model=model, name="B", weight=1)
    x, y = OpportunityFactory(title="X"), OpportunityFactory(title="Y")
    rate(x, {a: 10, b: 0})  # 50
    rate(y, {a: 0, b: 9})  # 45
    result = sensitivity(model=model)
    assert [(row.title, row.rank) for row in result.base] == [("X", 1), ("Y", 2)]
    variants = {(v.criterion.name, str(v.factor)): v for v in result.variants}
    # B × 1.2: X = 1/2.2 × 100 ≈ 45.5, Y = 1.2/2.2 × 0.9 × 100 ≈ 49.1
    assert [(row.title, row.rank, row.change) for row in variants[("B", "1.2")].top] == [("Y", 1, 1), ("X", 2, -1)]
    assert [row.title for row in variants[("B", "0.8")].top] == ["X", "Y"]
    assert len(result.variants) == 4


def test_sensitivity_keeps_only_the_top_ten():
    model = PrioritisationModelFactory()
    criterion = CriterionFactory(model=model, scale_max=20)
    for value in range(12):
        rate(OpportunityFactory(), {criterion: value})
    assert len(sensitivity(model=model).base) == 10


@pytest.mark.parametrize("count", [3, 30])
def test_ranking_is_one_query_whatever_the_number_of_opportunities(weighted_model, django_assert_num_queries, count):
    model, c = weighted_model
    for index in range(count):
        rate(OpportunityFactory(), {c["reach"]: index % 10, c["impact"]: 2, c["cost"]: 3, c["risk"]: 1})
    with django_assert_num_queries(2):  # the criteria, then every opportunity's score and rank
        assert len(rank_opportunities(model=model).rows) == count
