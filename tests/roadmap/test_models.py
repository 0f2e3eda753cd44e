"""Invariants the database keeps whatever the write path: ratings stay within their criterion's scale."""

import pytest
from django.db import IntegrityError, transaction

from roadmap.models import Criterion, Rating
from tests.roadmap.factories import CriterionFactory, OpportunityFactory, RatingFactory

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_rating_outside_its_scale():
    criterion = CriterionFactory(scale_min=1, scale_max=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(opportunity=OpportunityFactory(), criterion=criterion, value=6)
    assert Rating.objects.create(opportunity=OpportunityFactory(), criterion=criterion, value=5).value == 5


def test_the_database_refuses_an_update_or_move_off_the_scale():
    rating = RatingFactory(value=4, criterion=CriterionFactory(scale_min=1, scale_max=5))
    narrow = CriterionFactory(scale_min=0, scale_max=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.filter(pk=rating.pk).update(value=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.filter(pk=rating.pk).update(criterion=narrow)
    rating.refresh_from_db()
    assert rating.value == 4


def test_the_database_refuses_a_scale_that_would_leave_ratings_outside():
    criterion = RatingFactory(value=9).criterion
    with pytest.raises(IntegrityError), transaction.atomic():
        Criterion.objects.filter(pk=criterion.pk).update(scale_max=5)
    Criterion.objects.filter(pk=criterion.pk).update(scale_min=9, scale_max=20)  # still holds the 9
    criterion.refresh_from_db()
    assert (criterion.scale_min, criterion.scale_max) == (9, 20)
