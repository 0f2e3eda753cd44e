import pytest
from django.urls import reverse

from core.csv_io import csv_export, csv_import
from roadmap.csv_io import OPPORTUNITY_CSV, RATING_CSV
from roadmap.models import Opportunity, Rating
from tests.members.factories import staff_user
from tests.personas.factories import JobFactory
from tests.roadmap.factories import (
    CriterionFactory,
    IdeationSessionFactory,
    OpportunityFactory,
    PrioritisationModelFactory,
    RatingFactory,
)

pytestmark = pytest.mark.django_db


def test_opportunities_import_with_jobs_and_owner():
    jobs = JobFactory.create_batch(2)
    owner = staff_user(email="lead@knoble.example")
    text = (
        "title,description,session,status,effort_weeks,owner,jobs\n"
        f"Red-flag library for illicit massage businesses,Curated indicators,,shortlisted,12,{owner.email},"
        f"{jobs[0].pk}; {jobs[1].pk}\n"
        "Typology training,,,idea,6,,\n"
    )
    result = csv_import(csv_format=OPPORTUNITY_CSV, text=text)
    assert (result.created, result.errors) == (2, ())
    library = Opportunity.objects.get(title__startswith="Red-flag")
    assert library.owner == owner
    assert set(library.jobs.all()) == set(jobs)


def test_opportunity_file_with_a_bad_row_imports_nothing():
    text = (
        "title,description,session,status,effort_weeks,owner,jobs\n"
        "Case-sharing forum,,,idea,4,,\n"
        "Bad status,,,someday,4,,\n"
        "Bad effort,,,idea,0,,\n"
        "Bad job,,,idea,3,,99999\n"
    )
    result = csv_import(csv_format=OPPORTUNITY_CSV, text=text)
    assert [error.line for error in result.errors] == [3, 4, 5]
    assert not Opportunity.objects.exists()


def test_ratings_round_trip_and_off_scale_values_import_nothing():
    model = PrioritisationModelFactory(name="Member value")
    reach = CriterionFactory(model=model, name="Reach", scale_min=1, scale_max=5)
    rating = RatingFactory(criterion=reach, value=3)
    other = OpportunityFactory()
    exported = csv_export(csv_format=RATING_CSV)
    assert f"{rating.opportunity_id},{rating.opportunity.title},Member value,Reach,3" in exported
    text = exported + f"{other.pk},,Member value,Reach,9\n{other.pk},,Member value,Nope,2\n"
    result = csv_import(csv_format=RATING_CSV, text=text)
    assert [error.line for error in result.errors] == [3, 4]
    assert "outside the scale" in result.errors[0].reason
    assert "No criterion" in result.errors[1].reason
    assert Rating.objects.count() == 1
    good = exported.replace(",3.00\r\n", ",4\r\n") + f"{other.pk},,Member value,Reach,2\n"
    result = csv_import(csv_format=RATING_CSV, text=good)
    assert (result.created, result.updated) == (1, 1)
    rating.refresh_from_db()
    assert rating.value == 4


def test_staff_download_the_opportunities_from_the_admin(client, without_mfa_requirement):
    """Admin → Opportunities → Export CSV: the file names each opportunity's session and owner."""
    owner = staff_user(email="owner@knoble.example")
    session = IdeationSessionFactory()
    job = JobFactory()
    opportunity = OpportunityFactory(title="Typology training", session=session, owner=owner)
    opportunity.jobs.add(job)
    OpportunityFactory(title="Case-sharing forum")
    client.force_login(staff_user())
    response = client.get(reverse("admin:roadmap_opportunity_export_csv"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="opportunities.csv"'
    lines = response.content.decode().splitlines()
    assert lines[0] == "id,title,description,session,status,effort_weeks,owner,jobs"
    assert "Case-sharing forum" in lines[1]
    assert lines[2].startswith(f"{opportunity.pk},Typology training,,{session.pk},")
    assert lines[2].endswith(f",{owner.email},{job.pk}")
