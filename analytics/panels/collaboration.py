"""Cross-sector collaboration: which sectors take part in initiatives together, and which contribute together
(post or upload in the initiative's space, or attend one of its sessions)."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from analytics.panels.base import Chart, Filters, Panel, fetch
from initiatives.models import Attendance, InitiativeSession
from members.models import Member, Organisation
from personas.models import Sector
from spaces.models import Document, DocumentVersion, Post, Space, Thread


def _pairs() -> dict[str, tuple[dict[tuple[str, str], int], int]]:
    """For taking part ("joined") and contributing ("contributed"): the sector pairs over the distinct initiatives
    and sectors, and how many initiatives hold two sectors or more. One query."""

    def block(kind: str, relation: str) -> str:
        return f"""
            SELECT '{kind}', a.sector, b.sector, count(*) FROM {relation} a
            JOIN {relation} b ON b.initiative_id = a.initiative_id GROUP BY a.sector, b.sector
            UNION ALL
            SELECT '{kind}', '', '', count(*) FROM (
                SELECT x.initiative_id FROM {relation} x GROUP BY x.initiative_id HAVING count(*) >= 2) cross_{kind}
        """

    rows = fetch(
        f"""
        WITH joined AS ({TAKING_PART}), contributed AS ({_contributing()})
        {block("joined", "joined")}
        UNION ALL
        {block("contributed", "contributed")}
        """,
        {},
    )
    found: dict[str, tuple[dict[tuple[str, str], int], int]] = {"joined": ({}, 0), "contributed": ({}, 0)}
    for kind, first, second, count in rows:
        matrix = found[kind][0]
        if first:
            matrix[(first, second)] = int(count)
        else:
            found[kind] = (matrix, int(count))
    return found


TAKING_PART = "SELECT initiative_id, sector FROM engagement_initiativesectorcount WHERE active > 0"


def _contributing() -> str:
    """Distinct (initiative, sector) of every contribution: a post not hidden, a document version, an attendance."""
    member, organisation = Member._meta.db_table, Organisation._meta.db_table
    sector_of = f"JOIN {member} m ON m.id = {{who}} JOIN {organisation} o ON o.id = m.organisation_id"
    return f"""
        SELECT s.initiative_id AS initiative_id, o.sector AS sector
        FROM {Post._meta.db_table} p JOIN {Thread._meta.db_table} t ON t.id = p.thread_id
        JOIN {Space._meta.db_table} s ON s.id = t.space_id {sector_of.format(who="p.author_id")}
        WHERE p.hidden_at IS NULL
        UNION
        SELECT s.initiative_id, o.sector
        FROM {DocumentVersion._meta.db_table} v JOIN {Document._meta.db_table} d ON d.id = v.document_id
        JOIN {Space._meta.db_table} s ON s.id = d.space_id {sector_of.format(who="v.uploaded_by_id")}
        UNION
        SELECT se.initiative_id, o.sector
        FROM {Attendance._meta.db_table} a JOIN {InitiativeSession._meta.db_table} se ON se.id = a.session_id
        {sector_of.format(who="a.member_id")}
    """


def collaboration(filters: Filters) -> Panel:
    """Which sectors take part in initiatives together (the diagonal: initiatives a sector takes part in), then
    which contribute together."""
    pairs = _pairs()
    (joined, cross_joined), (contributed, cross_contributed) = pairs["joined"], pairs["contributed"]
    labels = [str(label) for label in Sector.labels]
    table = [
        [str(Sector(row).label), *(joined.get((row, column), 0) for column in Sector.values)] for row in Sector.values
    ]
    table += [
        [
            _("%(sector)s · contributing") % {"sector": Sector(row).label},
            *(contributed.get((row, column), 0) for column in Sector.values),
        ]
        for row in Sector.values
    ]

    def shared(matrix: dict[tuple[str, str], int]) -> list[int]:
        return [sum(matrix.get((row, column), 0) for column in Sector.values if column != row) for row in Sector.values]

    return Panel(
        title=_("Cross-sector collaboration"),
        columns=[_("Sector"), *labels],
        rows=table,
        chart=Chart(
            kind="bar",
            labels=labels,
            datasets=[
                {"label": _("Initiatives shared with another sector"), "data": shared(joined)},
                {"label": _("Initiatives contributed to alongside another sector"), "data": shared(contributed)},
            ],
        ),
        notes=[
            ngettext(
                "%(count)d initiative has members of two or more sectors taking part.",
                "%(count)d initiatives have members of two or more sectors taking part.",
                cross_joined,
            )
            % {"count": cross_joined},
            ngettext(
                "%(count)d initiative has contributions (posts, documents, attendance) from two or more sectors.",
                "%(count)d initiatives have contributions (posts, documents, attendance) from two or more sectors.",
                cross_contributed,
            )
            % {"count": cross_contributed},
        ],
    )
