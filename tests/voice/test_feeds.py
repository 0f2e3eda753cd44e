import pytest
from django.core.exceptions import ValidationError

from roadmap.models import CriterionSource, Rating
from roadmap.ranking import rank_opportunities
from tests.members.factories import MemberFactory
from tests.roadmap.factories import CriterionFactory, OpportunityFactory, PrioritisationModelFactory
from tests.voice.factories import IdeaFactory
from voice.services import idea_triage, vote_cast

pytestmark = pytest.mark.django_db


def test_a_criterion_fed_from_member_votes_counts_item_and_idea_votes_up_to_its_top():
    model = PrioritisationModelFactory()
    criterion = CriterionFactory(model=model, name="Member demand", source=CriterionSource.VOTES, scale_max=3)
    wanted, quiet, crowded = OpportunityFactory(), OpportunityFactory(), OpportunityFactory()
    vote_cast(member=MemberFactory(), opportunity=wanted)
    idea = IdeaFactory()
    vote_cast(member=MemberFactory(), idea=idea)
    idea_triage(idea=idea, opportunity=wanted, by=None)
    for _ in range(5):
        vote_cast(member=MemberFactory(), opportunity=crowded)

    rows = {row.pk: row for row in rank_opportunities(model=model).rows}
    assert rows[wanted.pk].values == (2.0,)
    assert rows[quiet.pk].values == (0.0,)
    assert rows[crowded.pk].values == (3.0,)  # up to the scale's top
    assert rows[crowded.pk].rank == 1
    with pytest.raises(ValidationError):
        Rating(opportunity=quiet, criterion=criterion, value=1).full_clean()
