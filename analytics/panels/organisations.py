"""The top organisations by engagement score, with their members by lifecycle stage."""

from dataclasses import replace

from django.utils.translation import gettext as _

from analytics.panels.base import Chart, Filters, Panel, fetch
from engagement.models import LifecycleStage, stage_name
from members.models import Organisation
from personas.models import Sector

TOP_ORGANISATIONS = 20


def organisations(filters: Filters) -> Panel:
    """The most engaged organisations and the stage mix of their members (persona does not apply)."""
    rows = fetch(
        f"""
        SELECT o.name, o.sector, o.country, e.members, e.score, e.pending, e.activated, e.engaged,
               e.collaborating, e.dormant
        FROM engagement_organisationengagement e JOIN {Organisation._meta.db_table} o ON o.id = e.organisation_id
        WHERE 1 = 1 {replace(filters, persona=None).where("o")}
        ORDER BY e.score DESC, o.name
        LIMIT {TOP_ORGANISATIONS}
        """,
        filters.params(),
    )
    table = [
        [name, str(Sector(sector).label), country, members, round(score, 1), *stages]
        for name, sector, country, members, score, *stages in rows
    ]
    return Panel(
        title=_("Top %(count)d organisations by engagement score") % {"count": TOP_ORGANISATIONS},
        columns=[
            _("Organisation"),
            _("Sector"),
            _("Country"),
            _("Members"),
            _("Score"),
            *(stage_name(stage) for stage in LifecycleStage),
        ],
        rows=table,
        chart=Chart(
            kind="bar",
            labels=[row[0] for row in table],
            datasets=[
                {"label": stage_name(stage), "data": [row[5 + index] for row in table]}
                for index, stage in enumerate(LifecycleStage)
            ],
            stacked=True,
        ),
    )
