"""The links of an initiative to the roadmap item it was launched from and to the ecosystem map; the
constraints of calendar feeds."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from initiatives.models import CalendarFeed, Initiative, sector_may_join
from personas.models import Sector
from tests.ecosystem.factories import StageFactory, red_flag
from tests.initiatives.factories import EligibleSectorFactory, InitiativeFactory
from tests.members.factories import MemberFactory, OrganisationFactory
from tests.roadmap.factories import make_roadmap, place

pytestmark = pytest.mark.django_db


def test_links_are_optional():
    initiative = InitiativeFactory()
    initiative.full_clean()
    assert initiative.roadmap_item is None
    assert not initiative.stages.exists()
    assert not initiative.red_flags.exists()


def test_a_roadmap_item_knows_the_initiatives_launched_from_it_and_cannot_be_deleted_under_them():
    item = place(make_roadmap(), 1, 3)
    first, second = InitiativeFactory(roadmap_item=item), InitiativeFactory(roadmap_item=item)
    assert set(item.initiatives.all()) == {first, second}
    with pytest.raises(ProtectedError):
        item.delete()
    with pytest.raises(ProtectedError):
        item.roadmap.delete()
    assert Initiative.objects.filter(roadmap_item=item).count() == 2


def test_stages_and_red_flags_know_the_initiatives_pointing_to_them():
    stage = StageFactory()
    flag = red_flag(stage=stage)
    initiative = InitiativeFactory()
    initiative.stages.add(stage)
    initiative.red_flags.add(flag)
    assert list(stage.initiatives.all()) == [initiative]
    assert list(flag.initiatives.all()) == [initiative]
    initiative.delete()  # the links go with the initiative; the map stays
    stage.refresh_from_db()
    flag.refresh_from_db()


def test_a_member_has_at_most_one_calendar_feed():
    member = MemberFactory()
    CalendarFeed.objects.create(member=member, digest=CalendarFeed.digest_of("first"))
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarFeed.objects.create(member=member, digest=CalendarFeed.digest_of("second"))
    assert CalendarFeed.objects.filter(member=member).count() == 1


def test_two_feeds_never_share_a_digest_and_a_digest_is_a_sha256():
    digest = CalendarFeed.digest_of("same")
    CalendarFeed.objects.create(member=MemberFactory(), digest=digest)
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarFeed.objects.create(member=MemberFactory(), digest=digest)
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarFeed.objects.create(member=MemberFactory(), digest="knbcal_a-secret-kept-in-clear")


@pytest.mark.parametrize(
    ("eligible", "sector", "may_join"),
    [
        (set(), None, True),
        (set(), Sector.NGO, True),
        ({Sector.NGO}, Sector.NGO, True),
        ({Sector.NGO}, None, False),
        ({Sector.NGO}, "other", False),
    ],
)
def test_the_sector_rule(eligible, sector, may_join):
    assert sector_may_join(eligible=eligible, sector=sector) is may_join


def test_the_sector_rule_in_python_and_in_sql_agree():
    open_to_all, for_ngos = InitiativeFactory(), InitiativeFactory()
    EligibleSectorFactory(initiative=for_ngos, sector=Sector.NGO)
    ngo = MemberFactory(organisation=OrganisationFactory(sector=Sector.NGO))
    other = MemberFactory(organisation=OrganisationFactory(sector=next(s for s in Sector.values if s != Sector.NGO)))
    for member in (ngo, other):
        in_sql = set(Initiative.objects.eligible_for_sector(member.organisation.sector))
        in_python = {i for i in (open_to_all, for_ngos) if i.is_open_to(member)}
        assert in_sql == in_python
    assert not for_ngos.is_open_to(other)
