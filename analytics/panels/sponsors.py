"""Which sponsors bring members who become active: their invitations sent, accepted (signed up), approved and
activated. Reads the directory's invitations directly."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from analytics.panels.base import Chart, Filters, Panel
from directory.models import Invitation, InvitationStatus
from members.models import Member

TOP_SPONSORS = 20


def sponsors(filters: Filters) -> Panel:
    """Invitations created in the period, by sponsor (the sector and country filters apply to the sponsor's
    organisation; persona does not apply)."""
    invitations = Invitation.objects.filter(created_at__date__range=(filters.start, filters.end)).exclude(
        status=InvitationStatus.REVOKED
    )
    if filters.sector:
        invitations = invitations.filter(sponsor__organisation__sector=filters.sector)
    if filters.country:
        invitations = invitations.filter(sponsor__organisation__country=filters.country)
    grouped = (
        invitations.values("sponsor", "sponsor__user__first_name", "sponsor__user__last_name", "sponsor__user__email")
        .annotate(
            sent=Count("pk", filter=Q(sent_at__isnull=False)),
            accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
            approved=Count("pk", filter=Q(invitee__status=Member.Status.APPROVED)),
            activated=Count("pk", filter=Q(invitee__engagement__activated_at__isnull=False)),
        )
        .order_by("-activated", "-approved", "-sent", "sponsor")[:TOP_SPONSORS]
    )
    rows = [
        [
            " ".join(part for part in (row["sponsor__user__first_name"], row["sponsor__user__last_name"]) if part)
            or row["sponsor__user__email"],
            row["sent"],
            row["accepted"],
            row["approved"],
            row["activated"],
        ]
        for row in grouped
    ]
    steps = [_("Sent"), _("Accepted"), _("Approved"), _("Activated")]
    return Panel(
        title=_("Sponsors: invitations sent, accepted, approved, activated"),
        columns=[_("Sponsor"), *steps],
        rows=rows,
        chart=Chart(
            kind="bar",
            labels=[str(row[0]) for row in rows],
            datasets=[{"label": step, "data": [row[1 + i] for row in rows]} for i, step in enumerate(steps)],
        ),
        notes=[
            _(
                "Invitations created in the period; accepted means the invitee signed up, activated that they have "
                "since become active."
            )
        ],
    )
