"""Who reads the access log (issue 19): staff all of it; an organisation's admin the entries of the objects
their organisation owns, on the page and through the API; nobody else."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from ecosystem.models import RedFlag, Suggestion, SuggestionKind
from ecosystem.selectors import RED_FLAG_SHARING, SUGGESTION_SHARING
from members.models import Member
from sharing.models import Channel, Label
from sharing.selectors import access_log_for
from sharing.services import access_record
from tests.api.conftest import client_for
from tests.ecosystem.factories import StageFactory, red_flag
from tests.members.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged():
    """One org's suggestion viewed by a colleague, another org's viewed too, and an AMBER red flag viewed."""
    ours, theirs = MemberFactory(), MemberFactory()
    mine = Suggestion.objects.create(member=ours, kind=SuggestionKind.NEW, stage=StageFactory(), text="Ours")
    other = Suggestion.objects.create(member=theirs, kind=SuggestionKind.NEW, stage=StageFactory(), text="Theirs")
    access_record(user=ours.user, objects=[mine], spec=SUGGESTION_SHARING, channel=Channel.PAGE)
    access_record(user=theirs.user, objects=[other], spec=SUGGESTION_SHARING, channel=Channel.API)
    flag = red_flag()
    RedFlag.objects.filter(pk=flag.pk).update(label=Label.AMBER)
    flag.refresh_from_db()
    access_record(user=ours.user, objects=[flag], spec=RED_FLAG_SHARING, channel=Channel.CSV)
    admin = MemberFactory(organisation=ours.organisation, is_organisation_admin=True)
    return {"ours": ours, "admin": admin, "mine": mine, "other": other}


# relation → how many of the three entries the viewer reads (None: refused)
READERS = {"organisation admin": 1, "staff": 3, "colleague": None, "other organisation's member": None}


def test_who_reads_the_access_log_on_the_page_and_through_the_api(client, logged, without_mfa_requirement):
    viewers = {
        "organisation admin": logged["admin"].user,
        "staff": staff_user(),
        "colleague": logged["ours"].user,
        "other organisation's member": MemberFactory().user,
    }
    wrong = []
    for relation, expected in READERS.items():
        user = viewers[relation]
        client.force_login(user)
        page = client.get(reverse("sharing:access_log"))
        api = client_for(user).get("/api/v1/access-log/")
        got_page = page.content.decode().count("<time datetime=") if page.status_code == 200 else None
        got_api = api.json()["count"] if api.status_code == 200 else None
        if not (got_page == got_api == expected) or (expected is None and {page.status_code, api.status_code} != {403}):
            wrong.append((relation, got_page, got_api, expected))
    assert wrong == []
    rows = client_for(logged["admin"].user).get("/api/v1/access-log/").json()["results"]
    assert [(row["object_type"], row["object_id"], row["channel"]) for row in rows] == [
        ("suggestion", logged["mine"].pk, "page")
    ]


def test_an_admin_who_is_suspended_reads_nothing_at_once(logged):
    admin = logged["admin"]
    assert access_log_for(user=admin.user).count() == 1
    Member.objects.filter(pk=admin.pk).update(status=Member.Status.SUSPENDED)
    from members.models import User

    assert access_log_for(user=User.objects.select_related("member").get(pk=admin.user_id)).count() == 0


def test_an_organisation_admin_belongs_to_an_organisation():
    member = MemberFactory(status=Member.Status.PENDING, organisation=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(is_organisation_admin=True)


def test_the_access_log_list_costs_the_same_queries_as_entries_grow(logged, django_assert_num_queries):
    api = client_for(staff_user())
    api.get("/api/v1/access-log/")
    with django_assert_num_queries(5):
        api.get("/api/v1/access-log/")
    access_record(user=logged["ours"].user, objects=[logged["mine"]] * 5, spec=SUGGESTION_SHARING, channel="page")
    with django_assert_num_queries(5):
        assert api.get("/api/v1/access-log/").json()["count"] == 8
