"""Campaign results per step: sent, opened, clicked, converted (from the roll-ups)."""

from typing import Any

from django.utils.translation import gettext as _

from analytics.panels.base import Chart, Filters, Panel, fetch
from campaigns.messages import subject_for_report
from campaigns.models import Campaign, CampaignStep
from initiatives.models import Initiative

CHARTED_CAMPAIGN_STEPS = 15


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def campaign_results(filters: Filters) -> Panel:
    """Sent, deferred, bounced, failed, opened, clicked, converted per launched campaign and step (filters do not
    apply: campaigns are few)."""
    rows = fetch(
        f"""
        SELECT c.name, c.status, s.position, s.subject, coalesce(g.title, ''), t.sent, t.deferred, t.bounced,
               t.failed, t.opened, t.clicked, t.converted
        FROM engagement_campaignsteptotals t
        JOIN {CampaignStep._meta.db_table} s ON s.id = t.step_id
        JOIN {Campaign._meta.db_table} c ON c.id = s.campaign_id
        LEFT JOIN {Initiative._meta.db_table} g ON g.id = c.goal_id
        ORDER BY c.created_at DESC, c.id, s.position
        """,
        {},
    )
    table: list[list[Any]] = [
        [
            name,
            status,
            position,
            subject_for_report(subject, goal=goal),
            sent,
            deferred,
            bounced,
            failed,
            opened,
            _percent(opened, sent),
            clicked,
            _percent(clicked, sent),
            converted,
        ]
        for name, status, position, subject, goal, sent, deferred, bounced, failed, opened, clicked, converted in rows
    ]
    charted = table[:CHARTED_CAMPAIGN_STEPS]
    measures = [(_("Sent"), 4), (_("Opened"), 8), (_("Clicked"), 10), (_("Converted"), 12)]
    return Panel(
        title=_("Campaign results"),
        columns=[
            _("Campaign"),
            _("Status"),
            _("Step"),
            _("Subject"),
            _("Sent"),
            _("Deferred"),
            _("Bounced"),
            _("Failed"),
            _("Opened"),
            _("Opened %"),
            _("Clicked"),
            _("Clicked %"),
            _("Converted"),
        ],
        rows=table,
        chart=Chart(
            kind="bar",
            labels=[_("%(campaign)s · step %(step)s") % {"campaign": row[0], "step": row[2]} for row in charted],
            datasets=[{"label": label, "data": [row[index] for row in charted]} for label, index in measures],
        ),
        notes=[
            _("The chart shows the first %(count)d steps, newest campaigns first; the table has all.")
            % {"count": CHARTED_CAMPAIGN_STEPS},
            _(
                "Opens are counted only for campaigns that track them; a conversion is a member joining the goal "
                "initiative after the message."
            ),
            _(
                "Figures as of the last roll-up refresh, like the other panels; a campaign's page in the admin shows "
                "its results live."
            ),
            _("Subjects are shown with the goal filled in; [name] and [organisation] differ for each member."),
        ],
    )
