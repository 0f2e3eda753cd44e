"""The coverage and sponsors panels (issue 23): targets against what is reached, and each sponsor's funnel."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from analytics.panels import PANELS, Filters
from directory import services
from directory.emails import invitation_token
from directory.models import CoverageTarget
from engagement.models import LifecycleStage, MemberEngagement
from members.models import Member
from members.services import member_approve
from tests.members.factories import MemberFactory, OrganisationFactory, staff_user

pytestmark = pytest.mark.django_db

TODAY = timezone.now().date()
PERIOD = Filters(start=TODAY - timedelta(days=30), end=TODAY)


def _engaged(member: Member, stage: str = LifecycleStage.ACTIVATED) -> None:
    now = timezone.now()
    MemberEngagement.objects.create(
        member=member, stage=stage, stage_since=now, computed_at=now, activated_at=now if stage != "pending" else None
    )


def test_coverage_shows_targets_reached_and_the_gaps():
    CoverageTarget.objects.create(sector="law_enforcement", country="MX", organisations=5, active_members=3)
    CoverageTarget.objects.create(sector="ngo", country="GB", organisations=1, active_members=1)
    police = OrganisationFactory(sector="law_enforcement", country="MX")
    _engaged(MemberFactory(organisation=police))
    MemberFactory(organisation=police)
    MemberFactory(organisation=OrganisationFactory(sector="law_enforcement", country="MX"), status="pending")
    panel = PANELS["coverage"](PERIOD)
    assert panel.rows[0][:8] == ["Law enforcement", "Mexico", 5, 1, 4, 3, 1, 2]
    assert panel.rows[1][2:] == [1, 0, 1, 1, 0, 1]
    only_ngo = PANELS["coverage"](Filters(start=PERIOD.start, end=PERIOD.end, sector="ngo"))
    assert [row[0] for row in only_ngo.rows] == ["NGO"]


def test_coverage_without_targets_counts_no_members(django_assert_num_queries):
    MemberFactory.create_batch(3)
    with django_assert_num_queries(1):  # the targets only
        assert PANELS["coverage"](PERIOD).rows == []


def test_coverage_counts_only_the_organisations_of_the_targets_sectors_and_countries():
    CoverageTarget.objects.create(sector="ngo", country="GB", organisations=2, active_members=1)
    _engaged(MemberFactory(organisation=OrganisationFactory(sector="ngo", country="GB")))
    _engaged(MemberFactory(organisation=OrganisationFactory(sector="ngo", country="FR")))
    _engaged(MemberFactory(organisation=OrganisationFactory(sector="law_enforcement", country="GB")))
    assert PANELS["coverage"](PERIOD).rows[0][2:] == [2, 1, 1, 1, 1, 0]


def test_sponsors_show_invitations_sent_accepted_approved_and_activated(django_capture_on_commit_callbacks):
    sponsor = MemberFactory(user__first_name="Sam", user__last_name="Sponsor")
    _engaged(sponsor)  # activated: three invitations a month
    with django_capture_on_commit_callbacks(execute=True):
        first = services.invitation_create(sponsor=sponsor, email="a@b.example")
        services.invitation_create(sponsor=sponsor, email="c@b.example")
    invitee = MemberFactory(user__email="a@b.example", status="pending", organisation=None)
    services.invitation_accept(token=invitation_token(first), member=invitee)
    assert PANELS["sponsors"](PERIOD).rows == [["Sam Sponsor", 2, 1, 0, 0]]
    member_approve(member=invitee, by=staff_user(), organisation=sponsor.organisation)
    _engaged(invitee)
    assert PANELS["sponsors"](PERIOD).rows == [["Sam Sponsor", 2, 1, 1, 1]]
    assert PANELS["sponsors"](Filters(start=date(2020, 1, 1), end=date(2020, 1, 2))).rows == []
