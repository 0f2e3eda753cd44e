import datetime

import pytest
from django.db import IntegrityError
from django.urls import reverse

from roadmap.services import roadmap_publish
from tests.members.factories import MemberFactory, leadership_user, staff_user
from tests.personas.factories import JobFactory
from tests.roadmap.factories import make_roadmap, place
from voice.models import Highlight, Participant, ResearchNote, Study, StudyKind
from voice.research import highlight_stamp
from voice.selectors import evidence_by

pytestmark = pytest.mark.django_db

EXPERT = "Dana Quill-Expert"


def highlight(*, sector="law_enforcement", on=datetime.date(2026, 3, 2), name=EXPERT, **tags):
    study = Study.objects.create(title="Spring interviews", kind=StudyKind.INTERVIEWS, started_on=on)
    participant = Participant.objects.create(study=study, name=name, sector=sector, consent_on=on)
    note = ResearchNote.objects.create(study=study, participant=participant, held_on=on, body="**Notes**")
    made = highlight_stamp(highlight=Highlight(note=note, passage="We never hear back from the banks."), note=note)
    made.save()
    for field, values in tags.items():
        getattr(made, field).set(values)
    return made


def test_a_highlight_carries_the_sector_and_date_never_the_name():
    made = highlight()
    assert (made.sector, made.observed_on) == ("law_enforcement", datetime.date(2026, 3, 2))
    assert EXPERT not in str(Highlight.objects.values().get(pk=made.pk))


def test_a_participant_is_a_member_or_named():
    study = Study.objects.create(title="Workshop", kind=StudyKind.WORKSHOP, started_on=datetime.date(2026, 1, 1))
    with pytest.raises(IntegrityError):
        Participant.objects.create(study=study, sector="ngo")


def test_evidence_counts_sectors_and_recency_in_one_query(django_assert_num_queries):
    job = JobFactory()
    highlight(jobs=[job], on=datetime.date(2026, 1, 5))
    highlight(jobs=[job], sector="ngo", on=datetime.date(2026, 4, 1))
    with django_assert_num_queries(1):
        evidence = evidence_by(field="jobs", ids=[job.pk])[job.pk]
    assert evidence.count == 2
    assert evidence.sectors == ["Law enforcement", "NGO"]
    assert evidence.latest == datetime.date(2026, 4, 1)


def test_leadership_reads_highlights_by_sector_members_do_not(client, without_mfa_requirement):
    job = JobFactory()
    highlight(jobs=[job])
    client.force_login(MemberFactory().user)
    assert client.get(reverse("voice:highlights")).status_code == 403
    client.force_login(leadership_user())
    page = client.get(reverse("voice:highlights"), {"job": job.pk})
    assert b"We never hear back from the banks." in page.content
    assert b"Law enforcement" in page.content
    assert EXPERT.encode() not in page.content
    client.force_login(staff_user())
    scores = client.get(reverse("voice:job_scores", args=[job.pk]))
    assert b"1 highlight from Law enforcement" in scores.content


def test_the_published_roadmap_shows_each_items_evidence_through_the_extension_point(client):
    roadmap = make_roadmap()
    item = place(roadmap, 1, 3)
    place(roadmap, 2, 4)
    highlight(opportunities=[item.opportunity])
    roadmap_publish(roadmap=roadmap, by=None)
    client.force_login(MemberFactory().user)
    page = client.get(reverse("roadmap:published"))
    assert page.content.count(b"Research evidence: 1 highlight from Law enforcement") == 1
    assert EXPERT.encode() not in page.content


def test_staff_read_a_note_rendered_and_sanitised_others_do_not(client, without_mfa_requirement):
    made = highlight()
    note = made.note
    note.body = "**Notes** from the call\n\n<script>alert(1)</script> [x](javascript:alert(2))"
    note.save()
    url = note.get_absolute_url()
    client.force_login(leadership_user())
    assert client.get(url).status_code == 403
    client.force_login(staff_user())
    page = client.get(url).content.decode()
    assert "<strong>Notes</strong> from the call" in page
    assert "<script>alert(1)" not in page
    assert "javascript:" not in page
    assert EXPERT in page  # staff see the participant
    assert "We never hear back from the banks." in page
    admin_page = client.get(reverse("admin:voice_researchnote_change", args=[note.pk])).content.decode()
    assert "View on site" in admin_page  # the admin links to the rendered page (get_absolute_url)
