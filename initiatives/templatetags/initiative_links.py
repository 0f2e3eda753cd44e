"""What the pages of lower apps show of the initiatives that point to them.

The roadmap and the ecosystem map sit below initiatives and never import them; their templates load these
tags instead, so the initiatives' own visibility rules decide what each viewer sees.
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


@register.simple_tag(takes_context=True)
def initiatives_working_on(
    context: dict[str, Any], *, stage: Stage | None = None, red_flag: RedFlag | None = None
) -> list[Initiative]:
    """`{% initiatives_working_on red_flag=red_flag as initiatives %}`: one query."""
    return selectors.initiatives_working_on(user=context["request"].user, stage=stage, red_flag=red_flag)
