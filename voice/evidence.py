"""The `evidence` extension point (declared by the wiring in `TEMPLATES["OPTIONS"]["libraries"]`): a lower app's page
shows the research evidence behind its jobs, opportunities and roadmap items without naming this app
(docs/ARCHITECTURE.md, rule 3). Counts, sectors and dates only — never a participant."""

from typing import Any

from django import template

from voice.selectors import NO_EVIDENCE, Evidence, evidence_by

register = template.Library()


@register.simple_tag
def evidence_for_items(items: list[dict[str, Any]]) -> dict[int, Evidence]:
    """The evidence of a published revision's items (by their opportunity), in one query."""
    return evidence_by(field="opportunities", ids=[item["opportunity_id"] for item in items])


@register.filter
def evidence_of(evidence: dict[int, Evidence], pk: int) -> Evidence:
    return evidence.get(pk, NO_EVIDENCE)


@register.inclusion_tag("voice/_evidence.html")
def evidence_line(evidence: Evidence) -> dict[str, Any]:
    return {"evidence": evidence}
