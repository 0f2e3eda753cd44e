"""What a red flag's page shows of members' outcome reports: the `field_outcomes` tag library.

The ecosystem sits below outcomes and never names it. The wiring declares this module as an extension point
under a neutral name (`TEMPLATES["OPTIONS"]["libraries"]["field_outcomes"]` in `knoble/settings.py`); the red
flag's template `{% load field_outcomes %}` and shows the aggregates every member may see (never a report).
It lives outside `templatetags/` so that it is loaded by that name only.
"""

from typing import Any

from django import template
from django.urls import reverse

from ecosystem.models import IndicatorSet, RedFlag
from members.selectors import member_for_user
from outcomes.forms import ReferralFeedbackForm
from outcomes.selectors import MIN_ORGANISATIONS, Aggregates, indicator_set_aggregates, red_flag_aggregates
from outcomes.services import may_give_feedback

register = template.Library()


@register.inclusion_tag("outcomes/_red_flag_outcomes.html", takes_context=True)
def outcomes_panel(context: dict[str, Any], *, red_flag: RedFlag, heading_id: str, level: int = 2) -> dict[str, Any]:
    """`{% outcomes_panel red_flag=red_flag heading_id="…" %}`: outcomes by sector and jurisdiction over time,
    a chart and its table, for a red flag the viewer may see (the page has checked)."""
    aggregates = red_flag_aggregates(red_flag_id=red_flag.pk)
    member = member_for_user(user=context["request"].user)
    feedback_form = (
        ReferralFeedbackForm(exclude_organisation_id=member.organisation_id)
        if member is not None and may_give_feedback(member)
        else None
    )
    return {
        "red_flag": red_flag,
        "csv_url": reverse("outcomes:red_flag_csv", args=[red_flag.pk]),
        "report_query": f"red_flag={red_flag.pk}",
        "aggregates": aggregates,
        "columns": Aggregates.columns(),
        "rows": aggregates.rows(),
        "minimum": MIN_ORGANISATIONS,
        "heading_id": heading_id,
        "level": level,
        "may_report": member is not None and member.organisation_id is not None,
        "feedback_form": feedback_form,
        "csrf_token": context.get("csrf_token"),
        "request": context["request"],
    }


@register.inclusion_tag("outcomes/_red_flag_outcomes.html", takes_context=True)
def indicator_set_outcomes_panel(
    context: dict[str, Any], *, indicator_set: IndicatorSet, heading_id: str, level: int = 2
) -> dict[str, Any]:
    """`{% indicator_set_outcomes_panel indicator_set=indicator_set heading_id="…" %}`: the same panel for an
    indicator set the viewer may see (the page has checked): aggregates only, as its CSV and API give them."""
    aggregates = indicator_set_aggregates(indicator_set_id=indicator_set.pk)
    member = member_for_user(user=context["request"].user)
    return {
        "indicator_set": indicator_set,
        "csv_url": reverse("outcomes:indicator_set_csv", args=[indicator_set.pk]),
        "report_query": f"indicator_set={indicator_set.pk}",
        "aggregates": aggregates,
        "columns": Aggregates.columns(),
        "rows": aggregates.rows(),
        "minimum": MIN_ORGANISATIONS,
        "heading_id": heading_id,
        "level": level,
        "may_report": member is not None and member.organisation_id is not None,
        "feedback_form": None,
        "csrf_token": context.get("csrf_token"),
        "request": context["request"],
    }
