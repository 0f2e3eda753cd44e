"""Cross-sector collaboration: which sectors take part in initiatives together."""

from analytics.panels.base import Chart, Filters, Panel, fetch
from personas.models import Sector


def collaboration(filters: Filters) -> Panel:
    """Which sectors take part in initiatives together; the diagonal is initiatives a sector takes part in."""
    rows = fetch(
        """
        SELECT a.sector, b.sector, count(*) FROM engagement_initiativesectorcount a
        JOIN engagement_initiativesectorcount b ON b.initiative_id = a.initiative_id
        WHERE a.active > 0 AND b.active > 0
        GROUP BY a.sector, b.sector
        UNION ALL
        SELECT '', '', count(*) FROM (
            SELECT x.initiative_id FROM engagement_initiativesectorcount x WHERE x.active > 0
            GROUP BY x.initiative_id HAVING count(*) >= 2) cross_sector
        """,
        {},
    )
    matrix: dict[tuple[str, str], int] = {}
    cross_sector = 0
    for first, second, count in rows:
        if first:
            matrix[(first, second)] = int(count)
        else:
            cross_sector = int(count)
    table = [
        [str(Sector(row).label), *(matrix.get((row, column), 0) for column in Sector.values)] for row in Sector.values
    ]
    return Panel(
        title="Cross-sector collaboration",
        columns=["Sector", *(str(label) for label in Sector.labels)],
        rows=table,
        chart=Chart(
            kind="bar",
            labels=[str(label) for label in Sector.labels],
            datasets=[
                {
                    "label": "Initiatives shared with another sector",
                    "data": [
                        sum(matrix.get((row, column), 0) for column in Sector.values if column != row)
                        for row in Sector.values
                    ],
                }
            ],
        ),
        notes=[f"{cross_sector} initiatives have members of two or more sectors taking part."],
    )
