import pytest

from bench.activity_batch import EVENTS, figures
from members.models import Activity, ApiToken, User

pytestmark = [pytest.mark.django_db, pytest.mark.postgresql_only]


def test_the_benchmark_measures_both_sides_and_leaves_nothing_behind():
    users_before = User.objects.count()
    [figure] = figures(repeats=1)
    assert str(EVENTS) in figure.name
    assert figure.reference is not None
    assert figure.reference > 0
    assert figure.ours > 0
    assert not Activity.objects.exists()
    assert not ApiToken.objects.exists()
    assert User.objects.count() == users_before
