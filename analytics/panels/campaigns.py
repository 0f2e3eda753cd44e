"""Campaign results per step: sent, opened, clicked, converted (from the roll-ups)."""

from typing import Any

from analytics.panels.base import Chart, Filters, Panel, fetch
from campaigns.models import Campaign, CampaignStep

CHARTED_CAMPAIGN_STEPS = 15


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def campaign_results(filters: Filters) -> Panel:
    """Sent, deferred, bounced, failed, opened, clicked, converted per launched campaign and step (filters do not
    apply: campaigns are few)."""
    rows = fetch(
        f"""
        SELECT c.name, c.status, s.position, s.subject, t.sent, t.deferred, t.bounced, t.failed, t.opened, t.clicked,
               t.converted
        FROM engagement_campaignsteptotals t
        JOIN {CampaignStep._meta.db_table} s ON s.id = t.step_id
        JOIN {Campaign._meta.db_table} c ON c.id = s.campaign_id
        ORDER BY c.created_at DESC, c.id, s.position
        """,
        {},
    )
    table: list[list[Any]] = [
        [
            name,
            status,
            position,
            subject,
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
        for name, status, position, subject, sent, deferred, bounced, failed, opened, clicked, converted in rows
    ]
    charted = table[:CHARTED_CAMPAIGN_STEPS]
    measures = [("Sent", 4), ("Opened", 8), ("Clicked", 10), ("Converted", 12)]
    return Panel(
        title="Campaign results",
        columns=[
            "Campaign",
            "Status",
            "Step",
            "Subject",
            "Sent",
            "Deferred",
            "Bounced",
            "Failed",
            "Opened",
            "Opened %",
            "Clicked",
            "Clicked %",
            "Converted",
        ],
        rows=table,
        chart=Chart(
            kind="bar",
            labels=[f"{row[0]} · step {row[2]}" for row in charted],
            datasets=[{"label": label, "data": [row[index] for row in charted]} for label, index in measures],
        ),
        notes=[
            f"The chart shows the first {CHARTED_CAMPAIGN_STEPS} steps, newest campaigns first; the table has all.",
            "Opens are counted only for campaigns that track them; a conversion is a member joining the goal "
            "initiative after the message.",
            "Figures as of the last roll-up refresh, like the other panels; a campaign's page in the admin shows its "
            "results live.",
        ],
    )
