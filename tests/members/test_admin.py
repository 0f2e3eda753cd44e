import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from members.models import Member
from tests.members.factories import MemberFactory, OrganisationFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, without_mfa_requirement):
    client.force_login(staff_user())
    return client


def run_action(client, action: str, members: list[Member]):
    return client.post(
        reverse("admin:members_member_changelist"),
        {"action": action, helpers.ACTION_CHECKBOX_NAME: [m.pk for m in members]},
        follow=True,
    )


def test_bulk_approve_approves_those_with_an_organisation_and_explains_the_rest(
    staff_client, mailoutbox, django_capture_on_commit_callbacks
):
    ready = MemberFactory.create_batch(2, status=Member.Status.PENDING)
    orphan = MemberFactory(status=Member.Status.PENDING, organisation=None)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(staff_client, "approve", [*ready, orphan])
    assert "Approved 2 members; each was told by e-mail." in response.content.decode()
    assert f"Choose an organisation for {orphan}" in response.content.decode()
    assert sorted(Member.objects.values_list("status", flat=True)) == ["approved", "approved", "pending"]
    assert len(mailoutbox) == 2


def test_bulk_reject(staff_client, mailoutbox, django_capture_on_commit_callbacks):
    pending = MemberFactory.create_batch(3, status=Member.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        run_action(staff_client, "reject", pending)
    assert set(Member.objects.values_list("status", flat=True)) == {"rejected"}
    assert len(mailoutbox) == 3


def test_member_history_keeps_the_author_of_staff_changes(staff_client):
    member = MemberFactory()
    url = reverse("admin:members_member_change", args=[member.pk])
    organisation = OrganisationFactory()
    staff_client.post(
        url,
        {
            "user": member.user.pk,
            "organisation": organisation.pk,
            "job_title": "Head of FIU",
            "consent_email": "on",
            "timezone": "UTC",
        },
    )
    latest = member.history.latest()
    assert latest.job_title == "Head of FIU"
    assert latest.history_user.is_staff


@pytest.mark.parametrize("count", [3, 12])
def test_member_changelist_query_count_is_constant(staff_client, django_assert_num_queries, count):
    MemberFactory.create_batch(count)
    staff_client.get("/")  # the first request of a session records it; measure a steady-state page view
    with django_assert_num_queries(5):
        assert staff_client.get(reverse("admin:members_member_changelist")).status_code == 200


def test_country_filter_offers_only_countries_in_use_and_filters(staff_client):
    canadian = MemberFactory(organisation__country="CA")
    MemberFactory(organisation__country="GB")
    response = staff_client.get(reverse("admin:members_member_changelist"), {"country": "CA"})
    content = response.content.decode()
    assert "Canada" in content
    assert "United Kingdom" in content
    assert "Zimbabwe" not in content
    assert list(response.context["cl"].queryset) == [canadian]


def test_one_member_approved_is_said_in_the_singular(staff_client, django_capture_on_commit_callbacks):
    pending = MemberFactory(status=Member.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(staff_client, "approve", [pending])
    assert "Approved 1 member; they were told by e-mail." in response.content.decode()


def test_the_members_list_opens_on_those_awaiting_approval_and_all_shows_everyone(staff_client):
    pending = MemberFactory(status=Member.Status.PENDING)
    approved = MemberFactory(status=Member.Status.APPROVED)
    changelist = reverse("admin:members_member_changelist")
    response = staff_client.get(changelist)
    assert list(response.context["cl"].queryset) == [pending]
    everyone = staff_client.get(changelist, {"status__exact": "all"})
    assert set(everyone.context["cl"].queryset) == {pending, approved}
    # Links written for Django's own status filter still work.
    approved_only = staff_client.get(changelist, {"status__exact": "approved"})
    assert list(approved_only.context["cl"].queryset) == [approved]
    # The status is the column right after the name.
    assert response.context["cl"].list_display[:3] == ["action_checkbox", "__str__", "status"]


def test_the_country_filter_lists_each_country_once(staff_client):
    MemberFactory.create_batch(3, organisation__country="CA")
    MemberFactory.create_batch(2, organisation__country="GB")
    response = staff_client.get(reverse("admin:members_member_changelist"), {"status__exact": "all"})
    countries = next(
        spec for spec in response.context["cl"].filter_specs if getattr(spec, "parameter_name", "") == "country"
    )
    assert [name for _, name in countries.lookup_choices] == ["Canada", "United Kingdom"]
