from datetime import date, timedelta

from django.utils import timezone

from ecosystem.models import RedFlag
from members.models import Member, Sector
from outcomes.models import OutcomeReport
from outcomes.services import outcome_report_submit
from tests.members.factories import MemberFactory, OrganisationFactory


def reporter(*, sector: str = Sector.FINANCIAL_INSTITUTION, country: str = "GB") -> Member:
    """An approved member of a new organisation of `sector` in `country`."""
    return MemberFactory.create(organisation=OrganisationFactory.create(sector=sector, country=country))


def last_quarter() -> tuple[date, date]:
    """A finished three-month period ending last month."""
    end = timezone.localdate().replace(day=1) - timedelta(days=1)
    return (end - timedelta(days=89)).replace(day=1), end


def report(*, member: Member, red_flag: RedFlag, period: tuple[date, date] | None = None, **counts) -> OutcomeReport:
    start, end = period or last_quarter()
    return outcome_report_submit(member=member, red_flag=red_flag, period_start=start, period_end=end, counts=counts)
