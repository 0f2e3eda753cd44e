"""What the pages of lower apps show of the initiatives that point to them: the `related_work` tag library.

The roadmap and the ecosystem map sit below initiatives and never name them. The wiring declares this module
as an extension point under a neutral name (`TEMPLATES["OPTIONS"]["libraries"]["related_work"]` in
`knoble/settings.py`); their templates `{% load related_work %}` and the initiatives' own visibility rules
decide what each viewer sees. It lives outside `templatetags/` so that it is loaded by that name only.
"""

from typing import Any

from django import template

from ecosystem.models import RedFlag, Stage
from initiatives import selectors
from initiatives.models import Initiative
from roadmap.models import RoadmapRevision

register = template.Library()


@register.simple_tag(takes_context=True)
def launched_initiatives(context: dict[str, Any], revision: RoadmapRevision) -> dict[int, list[Initiative]]:
    """`{% launched_initiatives revision as launched %}`: by opportunity id, for a whole revision in one query."""
    return selectors.launched_by_roadmap_item(roadmap_id=revision.roadmap_id, user=context["request"].user)


@register.filter
def launched_from(launched: dict[int, list[Initiative]], opportunity_id: int) -> list[Initiative]:
    """`{{ launched|launched_from:item.opportunity_id }}`: the initiatives of one item of the revision."""
    return launched.get(opportunity_id, [])


@register.inclusion_tag("initiatives/_working_on.html", takes_context=True)
def working_on_panel(
    context: dict[str, Any],
    *,
    subject: str,
    heading_id: str,
    level: int = 2,
    stage: Stage | None = None,
    red_flag: RedFlag | None = None,
) -> dict[str, Any]:
    """`{% working_on_panel red_flag=red_flag subject="this red flag" heading_id="…" %}`: the section listing
    the initiatives that work on a stage or a red flag, in one query."""
    return {
        "initiatives": selectors.initiatives_working_on(user=context["request"].user, stage=stage, red_flag=red_flag),
        "subject": subject,
        "heading_id": heading_id,
        "level": level,
    }
