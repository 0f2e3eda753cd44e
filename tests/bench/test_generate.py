import pytest
from allauth.account.models import EmailAddress
from django.db import connection

from bench.generate import generate, parse_args
from members.models import Activity, Member
from tests.conftest import require_postgres

pytestmark = pytest.mark.django_db


def test_generator_fills_every_table_with_the_requested_rows():
    require_postgres()
    generate(parse_args(["--members", "300", "--organisations", "12", "--initiatives", "5", "--activities", "4000"]))
    assert Member.objects.count() == 300
    assert Activity.objects.count() == 4000
    assert Member.objects.filter(organisation__isnull=True).count() == 0
    # Each member can sign in through allauth: one verified, primary address per user.
    assert EmailAddress.objects.filter(user__member__isnull=False, verified=True, primary=True).count() == 300
    # Every activity happens after its member joined, so cohorts and funnels stay plausible.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM members_activity a JOIN members_member m ON m.id = a.member_id "
            "WHERE a.occurred_at < m.created_at"
        )
        assert cursor.fetchone()[0] == 0


def test_the_same_seed_gives_the_same_rows():
    require_postgres()
    args = ["--members", "50", "--organisations", "5", "--initiatives", "2", "--activities", "500", "--seed", "7"]
    generate(parse_args(args))
    boundary = Activity.objects.order_by("-id").values_list("id", flat=True).first()
    generate(parse_args(args))  # a second copy, under new ids
    first = list(Activity.objects.filter(id__lte=boundary).order_by("id").values_list("verb", "occurred_at"))
    second = list(Activity.objects.filter(id__gt=boundary).order_by("id").values_list("verb", "occurred_at"))
    assert len(first) == 500
    assert first == second
