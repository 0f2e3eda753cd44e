"""Read side of campaigns: a campaign's live results per step, and the one definition of a conversion.

The dashboards read sent, opened, clicked and converted for every launched campaign from the roll-up that
`analytics.rollups.rollups_refresh` builds with the same conversion join.
"""

from dataclasses import dataclass, fields

from django.db import connection

from campaigns.models import Campaign, CampaignStep, Delivery, DeliveryStatus
from initiatives.models import Participation, ParticipationStatus

# The values `conversions` binds: a query that joins it passes these among its parameters.
CONVERSION_PARAMS = {
    "conversion_sent": DeliveryStatus.SENT.value,
    "conversion_active": ParticipationStatus.ACTIVE.value,
}
# The delivery statuses bound by name in the results query (`%(sent)s`, …).
STATUS_PARAMS = {status: status for status in DeliveryStatus.values}


def conversions(*, goal: str) -> str:
    """A LEFT JOIN, to deliveries `d`, of the participation that makes a delivery a conversion: it was sent,
    and the member takes part in the goal initiative (SQL `goal`), having joined at or after the send. The
    query binds `CONVERSION_PARAMS`.

    A member has one participation per initiative, so the join adds no rows and count(conversion.id) counts
    conversions. A join rather than an EXISTS per delivery, so that PostgreSQL can hash the participations,
    all of them for the whole delivery log, or the goal's few when `goal` is one campaign's bound parameter.
    """
    return f"""
        LEFT JOIN {Participation._meta.db_table} conversion
          ON d.status = %(conversion_sent)s AND conversion.member_id = d.member_id AND conversion.initiative_id = {goal}
         AND conversion.status = %(conversion_active)s AND conversion.joined_at >= d.sent_at
    """


@dataclass(frozen=True)
class StepResult:
    step: CampaignStep
    total: int
    waiting: int
    sent: int
    deferred: int
    bounced: int
    skipped: int
    suppressed: int
    failed: int
    opened: int
    clicked: int
    converted: int


# A step no delivery has reached yet: every count after the step itself is zero.
NO_DELIVERIES = [0] * (len(fields(StepResult)) - 1)


def step_results(campaign: Campaign) -> list[StepResult]:
    """Every step of the campaign with its deliveries counted as they stand, in one grouped query."""
    steps = list(campaign.steps.order_by("position"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT d.step_id, count(*),
                   sum(CASE WHEN d.status IN (%(pending)s, %(sending)s) THEN 1 ELSE 0 END),
                   sum(CASE WHEN d.status = %(sent)s THEN 1 ELSE 0 END),
                   sum(CASE WHEN d.status = %(deferred)s THEN 1 ELSE 0 END),
                   sum(CASE WHEN d.status = %(bounced)s THEN 1 ELSE 0 END),
                   sum(CASE WHEN d.status = %(skipped)s THEN 1 ELSE 0 END),
                   sum(CASE WHEN d.status = %(suppressed)s THEN 1 ELSE 0 END),
                   sum(CASE WHEN d.status = %(failed)s THEN 1 ELSE 0 END),
                   count(d.opened_at), count(d.clicked_at), count(conversion.id)
            FROM {Delivery._meta.db_table} d
            {conversions(goal="%(goal)s")}
            WHERE d.campaign_id = %(campaign)s
            GROUP BY d.step_id
            """,
            {"campaign": campaign.pk, "goal": campaign.goal_id, **STATUS_PARAMS, **CONVERSION_PARAMS},
        )
        counts = {step_id: counted for step_id, *counted in cursor.fetchall()}
    return [StepResult(step, *counts.get(step.pk, NO_DELIVERIES)) for step in steps]
