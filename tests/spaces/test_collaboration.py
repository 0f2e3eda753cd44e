"""Posting, uploading and attending in a space feed the cross-sector collaboration matrix."""

import io
from datetime import date

import pytest

from analytics.panels import PANELS
from analytics.panels.base import Filters
from personas.models import Sector
from spaces import services
from tests.spaces.factories import participant, thread, working_group

pytestmark = pytest.mark.django_db


def test_two_sectors_contributing_are_counted(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    initiative = working_group()
    banker = participant(initiative, organisation__sector=Sector.FINANCIAL_INSTITUTION)
    officer = participant(initiative, organisation__sector=Sector.LAW_ENFORCEMENT)
    bystander = participant(initiative, organisation__sector=Sector.NGO)
    started = thread(initiative, banker)
    services.post_reply(thread=started, member=officer, body="Seen it too")
    services.document_upload(
        initiative=initiative, member=officer, data=io.BytesIO(b"%PDF-1.7\n"), filename="m.pdf", size=9
    )
    panel = PANELS["collaboration"](Filters(start=date(2026, 1, 1), end=date(2026, 12, 31)))
    rows = {row[0]: row[1:] for row in panel.rows}
    bank, police = Sector.values.index(Sector.FINANCIAL_INSTITUTION), Sector.values.index(Sector.LAW_ENFORCEMENT)
    assert rows["Financial institution · contributing"][police] == 1
    assert rows["Law enforcement · contributing"][bank] == 1
    assert rows["NGO · contributing"][bank] == 0  # taking part is not contributing
    assert bystander.organisation.sector == Sector.NGO
    assert "1 initiative has contributions (posts, documents, attendance) from two or more sectors." in panel.notes
