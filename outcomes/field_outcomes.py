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


def _panel(
    context: dict[str, Any], *, aggregates: Aggregates, csv_url: str, report_query: str, heading_id: str, level: int
) -> dict[str, Any]:
    """What the panel shows of a subject's aggregates, and whether the viewer may report or give feedback."""
    member = member_for_user(user=context["request"].user)
    return {
        "csv_url": csv_url,
        "report_query": report_query,
        "aggregates": aggregates,
        "columns": Aggregates.columns(),
        "rows": aggregates.rows(),
        "minimum": MIN_ORGANISATIONS,
        "heading_id": heading_id,
        "level": level,
        "may_report": member is not None and member.organisation_id is not None,
        "member": member,
        "csrf_token": context.get("csrf_token"),
        "request": context["request"],
    }


@register.inclusion_tag("outcomes/_red_flag_outcomes.html", takes_context=True)
def outcomes_panel(context: dict[str, Any], *, red_flag: RedFlag, heading_id: str, level: int = 2) -> dict[str, Any]:
    """`{% outcomes_panel red_flag=red_flag heading_id="…" %}`: outcomes by sector and jurisdiction over time,
    a chart and its table, for a red flag the viewer may see (the page has checked)."""
    panel = _panel(
        context,
        aggregates=red_flag_aggregates(red_flag_id=red_flag.pk),
        csv_url=reverse("outcomes:red_flag_csv", args=[red_flag.pk]),
        report_query=f"red_flag={red_flag.pk}",
        heading_id=heading_id,
        level=level,
    )
    member = panel.pop("member")
    feedback_form = (
        ReferralFeedbackForm(exclude_organisation_id=member.organisation_id)
        if member is not None and may_give_feedback(member)
        else None
    )
    return {**panel, "red_flag": red_flag, "feedback_form": feedback_form}


@register.inclusion_tag("outcomes/_red_flag_outcomes.html", takes_context=True)
def indicator_set_outcomes_panel(
    context: dict[str, Any], *, indicator_set: IndicatorSet, heading_id: str, level: int = 2
) -> dict[str, Any]:
    """`{% indicator_set_outcomes_panel indicator_set=indicator_set heading_id="…" %}`: the same panel for an
    indicator set the viewer may see (the page has checked): aggregates only, as its CSV and API give them."""
    panel = _panel(
        context,
        aggregates=indicator_set_aggregates(indicator_set_id=indicator_set.pk),
        csv_url=reverse("outcomes:indicator_set_csv", args=[indicator_set.pk]),
        report_query=f"indicator_set={indicator_set.pk}",
        heading_id=heading_id,
        level=level,
    )
    del panel["member"]
    return {**panel, "indicator_set": indicator_set, "feedback_form": None}
