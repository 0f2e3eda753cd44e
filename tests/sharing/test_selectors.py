"""The scoping function as a permission matrix: every label against every relation of the viewer to the
object, written as data, and checked through the list filter, the count and the object-level check alike."""

import datetime
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ecosystem.models import Suggestion, SuggestionKind
from ecosystem.selectors import SUGGESTION_SHARING
from members.models import Member, User
from sharing.models import Label
from sharing.selectors import may_see, scope
from sharing.services import recipients_set
from tests.ecosystem.factories import StageFactory
from tests.members.factories import MemberFactory, OrganisationFactory, staff_user
from tests.sharing.factories import Registration314bFactory, SharingGroupFactory

pytestmark = pytest.mark.django_db

C, G, A, S, R = Label.CLEAR, Label.GREEN, Label.AMBER, Label.AMBER_STRICT, Label.RED

# relation of the viewer to the object → the labels under which the viewer sees it.
MATRIX: dict[str, set[Label]] = {
    "author": {C, G, A, S, R},
    "same organisation": {C, G, A, S},
    "organisation admin": {C, G, A, S},
    "named organisation": {C, G, A, S},
    "group member (314(b) current)": {C, G, A},
    "group member (314(b) expired)": {C, G},
    "named person": {C, G, A, R},
    "other member": {C, G},
    "pending, same organisation": set(),
    "suspended, same organisation": set(),
    "left, named person": set(),
    "staff": {C, G, A, S},
    "anonymous": set(),
}


@dataclass
class World:
    viewers: dict[str, User]
    by_label: dict[Label, Suggestion]


def fresh(user: User) -> User:
    """The user as the next request loads it: no permission cache, the member's status as stored now."""
    return User.objects.select_related("member").get(pk=user.pk) if user.pk else user


def suggestion(*, member, label):
    return Suggestion.objects.create(
        member=member, kind=SuggestionKind.NEW, stage=StageFactory(), text="x", label=label
    )


@pytest.fixture
def world():
    from django.contrib.auth.models import AnonymousUser

    author = MemberFactory()
    named_org = OrganisationFactory()
    registered, lapsed = (
        Registration314bFactory(),
        Registration314bFactory(expires_on=timezone.localdate() - datetime.timedelta(days=1)),
    )
    group = SharingGroupFactory(requires_314b=True, organisations=[registered.organisation, lapsed.organisation])
    named_person = MemberFactory()
    left_named = MemberFactory(status=Member.Status.LEFT)
    viewers = {
        "author": author.user,
        "same organisation": MemberFactory(organisation=author.organisation).user,
        "organisation admin": MemberFactory(organisation=author.organisation, is_organisation_admin=True).user,
        "named organisation": MemberFactory(organisation=named_org).user,
        "group member (314(b) current)": MemberFactory(organisation=registered.organisation).user,
        "group member (314(b) expired)": MemberFactory(organisation=lapsed.organisation).user,
        "named person": named_person.user,
        "other member": MemberFactory().user,
        "pending, same organisation": MemberFactory(organisation=author.organisation, status="pending").user,
        "suspended, same organisation": MemberFactory(organisation=author.organisation, status="suspended").user,
        "left, named person": left_named.user,
        "staff": staff_user(),
        "anonymous": AnonymousUser(),
    }
    by_label = {}
    for label in Label:
        by_label[label] = suggestion(member=author, label=label)
        recipients_set(
            obj=by_label[label], organisations=[named_org], groups=[group], people=[named_person.user, left_named.user]
        )
    return World(viewers=viewers, by_label=by_label)


def test_the_permission_matrix(world):
    assert set(MATRIX) == set(world.viewers)
    wrong = []
    for relation, allowed in MATRIX.items():
        viewer = fresh(world.viewers[relation])
        listed = set(
            scope(Suggestion.objects.all(), user=viewer, spec=SUGGESTION_SHARING).values_list("label", flat=True)
        )
        counted = scope(Suggestion.objects.all(), user=viewer, spec=SUGGESTION_SHARING).count()
        checked = {
            label for label, obj in world.by_label.items() if may_see(user=viewer, obj=obj, spec=SUGGESTION_SHARING)
        }
        if not (listed == checked == allowed and counted == len(allowed)):
            wrong.append((relation, sorted(listed), counted, sorted(checked), sorted(allowed)))
    assert wrong == []


def test_an_organisation_removed_from_a_group_sees_nothing_of_it_on_the_next_request(world):
    viewer = world.viewers["group member (314(b) current)"]
    assert may_see(user=fresh(viewer), obj=world.by_label[A], spec=SUGGESTION_SHARING)
    group = world.viewers["group member (314(b) current)"].member.organisation.sharing_groups.get()
    group.organisations.remove(viewer.member.organisation)
    assert not may_see(user=fresh(viewer), obj=world.by_label[A], spec=SUGGESTION_SHARING)


def test_a_suspended_member_sees_nothing_on_the_next_request(world):
    viewer = world.viewers["same organisation"]
    assert scope(Suggestion.objects.all(), user=fresh(viewer), spec=SUGGESTION_SHARING).exists()
    Member.objects.filter(user=viewer).update(status=Member.Status.SUSPENDED)
    assert not scope(Suggestion.objects.all(), user=fresh(viewer), spec=SUGGESTION_SHARING).exists()


def test_the_filter_is_one_query_whatever_the_number_of_items_and_groups(world):
    viewer = fresh(world.viewers["group member (314(b) current)"])
    viewer.has_perm("members.use_portal")  # the permission cache, loaded once per request

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            list(scope(Suggestion.objects.select_related("member__organisation"), user=viewer, spec=SUGGESTION_SHARING))
        return len(captured)

    before = queries()
    author = world.viewers["author"].member
    for _ in range(3):
        group = SharingGroupFactory(organisations=[viewer.member.organisation])
        for label in Label:
            recipients_set(obj=suggestion(member=author, label=label), groups=[group])
    assert queries() == before == 1


def test_each_audience_is_one_subquery_of_the_filter(world):
    """The named people, the named organisations and the named groups: three subqueries, each written (and
    compiled) once, however many labels they serve."""
    viewer = fresh(world.viewers["group member (314(b) current)"])
    sql = str(scope(Suggestion.objects.all(), user=viewer, spec=SUGGESTION_SHARING).query)
    assert sql.count('FROM "sharing_recipient"') == 3
    assert sql.count("SELECT") == 1 + 3 + 1  # the registration 314(b) inside the groups' subquery


def test_the_permission_matrix_through_the_api(world):
    """The API channel: the list holds, and the detail answers 200 for, exactly what the label allows; 404 else."""
    from tests.api.conftest import client_for

    wrong = []
    for relation, allowed in MATRIX.items():
        viewer = world.viewers[relation]
        client = client_for(viewer if viewer.is_authenticated else None)
        response = client.get("/api/v1/red-flag-suggestions/", {"page_size": 50})
        listed = {Label(row["label"]) for row in response.json()["results"]} if response.status_code == 200 else set()
        codes = {
            label: client.get(f"/api/v1/red-flag-suggestions/{obj.pk}/").status_code
            for label, obj in world.by_label.items()
        }
        shown = {label for label, code in codes.items() if code == 200}
        refused = set(codes.values()) - {200}
        if not (listed == shown == allowed and refused <= {401, 403, 404}):
            wrong.append((relation, sorted(listed), sorted(shown), sorted(allowed), sorted(refused)))
    assert wrong == []
