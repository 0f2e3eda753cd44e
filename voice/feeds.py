"""The prioritisation criterion fed from member votes (registered with `roadmap.criterion_feeds`)."""

from typing import Any

from django.db.models import Count, Expression, FloatField, Value
from django.db.models.functions import Cast, Least


def votes_feed(criterion: Any) -> Expression:
    """The opportunity's votes — on it (as a roadmap item) and on the ideas taken into it — up to the criterion's
    top: a distinct count per kind, immune to the joins' fan-out."""
    votes = Count("member_votes", distinct=True) + Count("ideas__votes", distinct=True)
    return Least(Cast(votes, FloatField()), Value(float(criterion.scale_max)))
