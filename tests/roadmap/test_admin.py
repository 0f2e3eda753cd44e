"""The roadmap admin and the staff pages inside it: validation, permissions and query counts."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from roadmap.models import Horizon, Rating, Roadmap, RoadmapItem
from roadmap.services import roadmap_publish
from tests.members.factories import MemberFactory, UserFactory, staff_user
from tests.roadmap.factories import (
    CriterionFactory,
    IdeationSessionFactory,
    OpportunityFactory,
    PrioritisationModelFactory,
    RatingFactory,
    make_roadmap,
    place,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, without_mfa_requirement):
    client.force_login(staff_user())
    return client


def staff_pages(roadmap, model):
    first, second = roadmap_publish(roadmap=roadmap, by=None), roadmap_publish(roadmap=roadmap, by=None)
    return [
        reverse("admin:roadmap_prioritisationmodel_ranking", args=[model.pk]),
        reverse("admin:roadmap_prioritisationmodel_sensitivity", args=[model.pk]),
        reverse("admin:roadmap_prioritisationmodel_compare") + f"?first={model.pk}&second={model.pk}",
        reverse("admin:roadmap_roadmap_timeline", args=[roadmap.pk]),
        reverse("admin:roadmap_roadmap_plan", args=[roadmap.pk]) + f"?model={model.pk}",
        reverse("admin:roadmap_roadmap_publish", args=[roadmap.pk]),
        reverse("admin:roadmap_roadmap_diff", args=[roadmap.pk]) + f"?old={first.pk}&new={second.pk}",
    ]


@pytest.fixture
def studio():
    model = PrioritisationModelFactory(name="Member value")
    criterion = CriterionFactory(model=model, name="Reach")
    roadmap = make_roadmap()
    item = place(roadmap, 1, 3)
    RatingFactory(opportunity=item.opportunity, criterion=criterion, value=7)
    return roadmap, model


def test_staff_see_every_staff_page(staff_client, studio):
    for url in staff_pages(*studio):
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert b"The Knoble" in response.content  # rendered inside the admin's base_site


def test_members_are_refused_every_staff_page(client, studio):
    client.force_login(MemberFactory().user)
    for url in staff_pages(*studio):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def test_staff_without_the_model_permission_are_refused(client, without_mfa_requirement, studio):
    roadmap, _ = studio
    user = UserFactory(is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:roadmap_roadmap_timeline", args=[roadmap.pk])).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_roadmap"))
    assert client.get(reverse("admin:roadmap_roadmap_timeline", args=[roadmap.pk])).status_code == 200
    item = roadmap.items.get()
    move = reverse("admin:roadmap_roadmap_move_item", args=[roadmap.pk, item.pk])
    assert client.post(move, {"start_month": 2, "end_month": 3}).status_code == 403


def test_ranking_page_shows_unrated_opportunities_as_unrated(staff_client, studio):
    _, model = studio
    OpportunityFactory(title="Typology training")
    content = staff_client.get(reverse("admin:roadmap_prioritisationmodel_ranking", args=[model.pk])).content.decode()
    assert "Typology training" in content
    assert "Unrated (1 missing)" in content


def test_moving_an_item_on_the_timeline_uses_the_placement_rules(staff_client):
    roadmap = make_roadmap()
    first = place(roadmap, 1, 4)
    second = place(roadmap, 5, 6, dependencies=[first])
    move = reverse("admin:roadmap_roadmap_move_item", args=[roadmap.pk, second.pk])
    response = staff_client.post(move, {"start_month": 3, "end_month": 6}, follow=True)
    assert "was not moved" in response.content.decode()
    assert "month 5 at the earliest" in response.content.decode()
    response = staff_client.post(move, {"start_month": 14, "end_month": 19}, follow=True)
    assert "inside the roadmap" in response.content.decode()
    staff_client.post(move, {"start_month": 13, "end_month": 14})
    second.refresh_from_db()
    assert (second.start_month, second.end_month, second.horizon.name) == (13, 14, "Later")


def test_the_admin_item_form_applies_the_same_rules(staff_client):
    roadmap = make_roadmap()
    first = place(roadmap, 1, 4)
    response = staff_client.post(
        reverse("admin:roadmap_roadmapitem_add"),
        {
            "roadmap": roadmap.pk,
            "opportunity": OpportunityFactory().pk,
            "start_month": 4,
            "end_month": 20,
            "status": "planned",
            "dependencies": [first.pk],
        },
    )
    content = response.content.decode()
    assert "inside the roadmap" in content
    assert "month 5 at the earliest" in content
    assert RoadmapItem.objects.count() == 1


def test_adding_a_roadmap_in_the_admin_creates_its_horizons(staff_client):
    response = staff_client.post(
        reverse("admin:roadmap_roadmap_add"),
        {
            "title": "2028 roadmap",
            "first_month": "2028-01-01",
            "months": "18",
            "horizons-TOTAL_FORMS": "0",
            "horizons-INITIAL_FORMS": "0",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    roadmap = Roadmap.objects.get(title="2028 roadmap")
    assert list(roadmap.horizons.values_list("start_month", "end_month")) == [(1, 6), (7, 12), (13, 18)]
    assert roadmap.created_by.is_staff


def test_horizon_admin_keeps_horizons_contiguous(staff_client):
    roadmap = make_roadmap()
    now = roadmap.horizons.get(name="Now")
    url = reverse("admin:roadmap_horizon_change", args=[now.pk])
    data = {"name": "Now", "theme": "Foundations", "capacity_weeks": "40", "end_month": "13"}
    assert "ends" in staff_client.post(url, data).content.decode()
    assert staff_client.post(url, {**data, "end_month": "5"}).status_code == 302
    assert list(Horizon.objects.filter(roadmap=roadmap).values_list("start_month", "end_month")) == [
        (1, 5),
        (6, 12),
        (13, 18),
    ]


def test_rating_off_the_scale_is_refused_in_the_opportunity_inline(staff_client):
    criterion = CriterionFactory(scale_min=1, scale_max=5)
    opportunity = OpportunityFactory()
    data = {
        "title": opportunity.title,
        "status": "shortlisted",
        "effort_weeks": "4",
        "ratings-TOTAL_FORMS": "1",
        "ratings-INITIAL_FORMS": "0",
        "ratings-0-criterion": criterion.pk,
        "ratings-0-value": "7",
    }
    url = reverse("admin:roadmap_opportunity_change", args=[opportunity.pk])
    assert "outside the scale" in staff_client.post(url, data).content.decode()
    assert staff_client.post(url, {**data, "ratings-0-value": "4"}).status_code == 302
    assert Rating.objects.get().rated_by.is_staff


def test_publish_page_publishes_a_revision(staff_client):
    roadmap = make_roadmap()
    place(roadmap, 1, 2)
    response = staff_client.post(reverse("admin:roadmap_roadmap_publish", args=[roadmap.pk]), {"note": "Q1 update"})
    assert response.status_code == 302
    assert roadmap.revisions.get().note == "Q1 update"


def grow(count):
    model = PrioritisationModelFactory()
    criteria = CriterionFactory.create_batch(3, model=model)
    roadmap = make_roadmap()
    session = IdeationSessionFactory()
    previous = None
    for index in range(count):
        opportunity = OpportunityFactory(session=session)
        for criterion in criteria:
            RatingFactory(opportunity=opportunity, criterion=criterion, value=index % 10)
        start = 1 + (index % 17)
        dependencies = [previous] if previous and previous.end_month < start else []
        previous = place(roadmap, start, start + 1, opportunity=opportunity, dependencies=dependencies)
    return roadmap, model


@pytest.mark.parametrize("count", [3, 20])
def test_ranking_and_timeline_have_constant_query_counts(staff_client, django_assert_num_queries, count):
    roadmap, model = grow(count)
    staff_client.get("/")
    with django_assert_num_queries(4):
        assert (
            staff_client.get(reverse("admin:roadmap_prioritisationmodel_ranking", args=[model.pk])).status_code == 200
        )
    with django_assert_num_queries(5):
        assert staff_client.get(reverse("admin:roadmap_roadmap_timeline", args=[roadmap.pk])).status_code == 200


@pytest.mark.parametrize("count", [3, 20])
def test_admin_lists_have_constant_query_counts(staff_client, django_assert_num_queries, count):
    grow(count)
    staff_client.get("/")
    expected = {
        "ideationsession": 7,
        "opportunity": 6,
        "prioritisationmodel": 4,
        "criterion": 5,
        "rating": 9,
        "roadmap": 4,
        "horizon": 5,
        "roadmapitem": 6,
        "roadmaprevision": 7,
    }
    for model_name, queries in expected.items():
        with django_assert_num_queries(queries):
            assert staff_client.get(reverse(f"admin:roadmap_{model_name}_changelist")).status_code == 200


def test_the_roadmap_pages_item_table_leaves_dependencies_to_the_items_own_page_and_still_keeps_them(staff_client):
    from django.forms import modelform_factory

    from roadmap.forms import RoadmapItemForm

    roadmap = make_roadmap()
    first = place(roadmap, 1, 4)
    second = place(roadmap, 5, 6, dependencies=[first])
    content = staff_client.get(reverse("admin:roadmap_roadmap_change", args=[roadmap.pk])).content.decode()
    assert "items-0-dependencies" not in content
    assert 'aria-label="Start month, item 1"' in content
    # The table's form has no dependencies field, and moving an item before its dependency is still refused.
    table_form = modelform_factory(
        RoadmapItem, form=RoadmapItemForm, fields=["opportunity", "start_month", "end_month", "owner", "status"]
    )
    data = {"opportunity": second.opportunity_id, "start_month": 3, "end_month": 6, "status": second.status}
    form = table_form(data, instance=second)
    assert not form.is_valid()
    assert "month 5 at the earliest" in str(form.errors)
