"""CSV import and export: a file with any bad row imports nothing and lists every bad row."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.csv_io import csv_export, csv_import
from personas.csv_io import JOB_CSV, PERSONA_CSV
from personas.models import JobToBeDone, Persona
from tests.members.factories import MemberFactory, staff_user
from tests.personas.factories import JobFactory, PersonaFactory

pytestmark = pytest.mark.django_db

PERSONAS = """name,sector,summary,needs,pains,goals,quote,is_active
AML investigator,financial_institution,Works alerts at a regional bank,Typologies,Noise,Fewer false positives,"""
PERSONAS += '"We see the money, not the people.",yes\n'
PERSONAS += "Detective,law_enforcement,Builds financial cases,,,,,no\n"


def test_import_creates_and_updates_personas():
    PersonaFactory(name="Detective", sector="law_enforcement", summary="old")
    result = csv_import(csv_format=PERSONA_CSV, text=PERSONAS)
    assert (result.created, result.updated, result.errors) == (1, 1, ())
    detective = Persona.objects.get(name="Detective")
    assert (detective.summary, detective.is_active) == ("Builds financial cases", False)
    assert Persona.objects.get(name="AML investigator").quote == "We see the money, not the people."


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_bad_row():
    text = PERSONAS + "Prosecutor,pirate,Tries cases,,,,,yes\n" + ",ngo,No name,,,,,maybe\n"
    result = csv_import(csv_format=PERSONA_CSV, text=text)
    assert [error.line for error in result.errors] == [4, 5]
    assert "sector: Select a valid choice" in result.errors[0].reason
    assert "not yes or no" in result.errors[1].reason
    assert not Persona.objects.exists()


def test_duplicate_rows_and_missing_columns_are_reported():
    duplicate = PERSONAS + "aml investigator,ngo,Again,,,,,yes\n"
    assert csv_import(csv_format=PERSONA_CSV, text=duplicate).errors[0].reason == "Duplicates line 2."
    missing = csv_import(csv_format=PERSONA_CSV, text="name,summary\nX,Y\n")
    assert missing.errors[0].line == 1
    assert "sector" in missing.errors[0].reason
    assert not Persona.objects.exists()


def test_jobs_round_trip_through_export_and_import():
    job = JobFactory(importance=9, satisfaction=2, situation="=HYPERLINK(evil)")
    exported = csv_export(csv_format=JOB_CSV)
    assert "'=HYPERLINK(evil)" in exported  # defused for spreadsheets
    JobToBeDone.objects.filter(pk=job.pk).update(importance=1, situation="changed")
    result = csv_import(csv_format=JOB_CSV, text=exported)
    assert (result.created, result.updated) == (0, 1)
    job.refresh_from_db()
    assert (job.importance, job.situation) == (9, "=HYPERLINK(evil)")


def test_job_rows_with_an_unknown_persona_id_or_score_are_refused():
    persona = PersonaFactory(name="NGO lead")
    header = ",".join(JOB_CSV.columns)
    text = (
        f"{header}\n"
        ",NGO lead,a survivor needs help,find services,refer quickly,8,3,,2\n"
        ",Nobody,s,m,o,8,3,,2\n"
        "999,NGO lead,s,m,o,8,3,,2\n"
        ",NGO lead,s2,m,o,11,3,,2\n"
    )
    result = csv_import(csv_format=JOB_CSV, text=text)
    assert [(e.line, e.reason.split(":")[0]) for e in result.errors] == [
        (3, "persona"),
        (4, "There is no job to be done with id 999."),
        (5, "importance"),
    ]
    assert not persona.jobs.exists()


def test_admin_import_page_reports_bad_rows_and_imports_a_good_file(client, without_mfa_requirement):
    client.force_login(staff_user())
    changelist = client.get(reverse("admin:personas_persona_changelist")).content.decode()
    assert "Import CSV" in changelist
    assert "Export CSV" in changelist
    url = reverse("admin:personas_persona_import_csv")
    bad = SimpleUploadedFile("p.csv", (PERSONAS + "X,pirate,s,,,,,yes\n").encode())
    content = client.post(url, {"file": bad}).content.decode()
    assert "Nothing was imported" in content
    assert "<td>4</td>" in content
    assert not Persona.objects.exists()
    response = client.post(url, {"file": SimpleUploadedFile("p.csv", PERSONAS.encode())}, follow=True)
    assert "Imported 2 row(s)" in response.content.decode()
    export = client.get(reverse("admin:personas_persona_export_csv"))
    assert export["Content-Type"].startswith("text/csv")
    assert b"AML investigator" in export.content


def test_members_cannot_reach_the_import_page(client):
    client.force_login(MemberFactory().user)
    response = client.get(reverse("admin:personas_persona_import_csv"))
    assert response.status_code == 302


def test_admin_import_page_checks_a_file_without_saving_it(client, without_mfa_requirement):
    client.force_login(staff_user())
    response = client.post(
        reverse("admin:personas_persona_import_csv"),
        {"file": SimpleUploadedFile("personas.csv", PERSONAS.encode()), "dry_run": "on"},
        follow=True,
    )
    assert "the file would add 2 and update 0 row(s). Nothing was saved." in response.content.decode()
    assert not Persona.objects.exists()
