"""Labelled red flags and suggestions on every channel they appear on: the permission matrix of the sharing
app (tests/sharing/test_selectors.py), carried through pages, lists, counts, CSV, print, campaign links and
e-mail. Visible exactly where the label allows; 404, absent from lists and uncounted elsewhere."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.messages import portal_links
from ecosystem.emails import suggestion_outcome_email_send
from ecosystem.models import RedFlag, Suggestion, SuggestionKind
from ecosystem.selectors import RED_FLAG_SHARING, SUGGESTION_SHARING, categories_for_catalogue, red_flag_counts
from sharing.models import AccessLog, Channel, Label, LabelChange
from sharing.services import label_change, recipients_set
from tests.campaigns.factories import CampaignStepFactory
from tests.ecosystem.factories import StageFactory, indicator_set, red_flag
from tests.members.factories import MemberFactory, OrganisationFactory, staff_user
from tests.sharing.factories import SharingGroupFactory

pytestmark = pytest.mark.django_db

C, G, A, S, R = Label.CLEAR, Label.GREEN, Label.AMBER, Label.AMBER_STRICT, Label.RED

# Red flags have no author organisation: only their label and their named recipients decide.
RED_FLAG_MATRIX: dict[str, set[Label]] = {
    "named organisation": {C, G, A, S},
    "group member": {C, G, A},
    "named person": {C, G, A, R},
    "other member": {C, G},
    "staff": {C, G, A, S},
}


def indicator(label: Label) -> str:
    return f"Indicator labelled {label.value}"


@pytest.fixture
def flags():
    stage = StageFactory()
    named_org, group_org = OrganisationFactory(), OrganisationFactory()
    group = SharingGroupFactory(organisations=[group_org])
    named_person = MemberFactory()
    by_label = {}
    for label in Label:
        flag = red_flag(stage=stage, indicator=indicator(label))
        RedFlag.objects.filter(pk=flag.pk).update(label=label)
        recipients_set(obj=flag, organisations=[named_org], groups=[group], people=[named_person.user])
        by_label[label] = flag
    viewers = {
        "named organisation": MemberFactory(organisation=named_org).user,
        "group member": MemberFactory(organisation=group_org).user,
        "named person": named_person.user,
        "other member": MemberFactory().user,
        "staff": staff_user(),
    }
    return stage, by_label, viewers


CHANNELS = ("page", "list", "map", "csv", "print", "api", "api_detail")


def seen_through(client, channel: str, stage, by_label) -> set[Label]:
    """The labels whose red flag the signed-in viewer meets through `channel`."""
    if channel == "page":
        codes = {
            label: client.get(reverse("ecosystem:red_flag", args=[f.pk])).status_code for label, f in by_label.items()
        }
        assert set(codes.values()) <= {200, 404}
        return {label for label, code in codes.items() if code == 200}
    if channel == "api_detail":
        codes = {label: client.get(f"/api/v1/red-flags/{f.pk}/").status_code for label, f in by_label.items()}
        assert set(codes.values()) <= {200, 404}
        return {label for label, code in codes.items() if code == 200}
    url = {
        "api": "/api/v1/red-flags/",
        "list": reverse("ecosystem:library"),
        "map": reverse("ecosystem:map", args=[stage.category.slug]) + f"?stage={stage.pk}",
        "csv": reverse("ecosystem:library_csv"),
        "print": reverse("ecosystem:library_print"),
    }[channel]
    content = client.get(url).content.decode()
    return {label for label in Label if indicator(label) in content}


@pytest.mark.parametrize("channel", CHANNELS)
def test_each_channel_shows_exactly_what_the_label_allows(client, flags, channel, without_mfa_requirement):
    stage, by_label, viewers = flags
    wrong = []
    for relation, allowed in RED_FLAG_MATRIX.items():
        client.force_login(viewers[relation])
        seen = seen_through(client, channel, stage, by_label)
        if seen != allowed:
            wrong.append((relation, sorted(seen), sorted(allowed)))
    assert wrong == []


def test_counts_include_only_what_the_label_allows(flags):
    stage, _, viewers = flags
    for relation, allowed in RED_FLAG_MATRIX.items():
        user = viewers[relation]
        catalogue = categories_for_catalogue(user=user).get(pk=stage.category_id)
        assert catalogue.red_flag_count == len(allowed), relation
        assert red_flag_counts(category=stage.category, user=user)["stage"][stage.pk] == len(allowed), relation


def test_pending_and_anonymous_viewers_see_no_red_flag_anywhere(client, flags):
    stage, by_label, _ = flags
    client.force_login(MemberFactory(status="pending").user)
    for url in (reverse("ecosystem:red_flag", args=[by_label[G].pk]), reverse("ecosystem:library_csv")):
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert indicator(G) not in response.content.decode()
    assert red_flag_counts(category=stage.category, user=AnonymousUser())["stage"][stage.pk] == 0


def test_views_and_exports_of_amber_and_tighter_are_logged(client, flags):
    _stage, by_label, viewers = flags
    client.force_login(viewers["named organisation"])
    client.get(reverse("ecosystem:red_flag", args=[by_label[A].pk]))
    client.get(reverse("ecosystem:red_flag", args=[by_label[G].pk]))
    client.get(reverse("ecosystem:library_csv"))
    logged = sorted(AccessLog.objects.values_list("channel", "label"))
    assert logged == sorted([("page", "amber"), ("csv", "amber"), ("csv", "amber_strict")])


def test_the_printable_page_carries_the_narrowest_label_above_and_below(client, flags):
    _, _, viewers = flags
    client.force_login(viewers["named organisation"])
    content = client.get(reverse("ecosystem:library_print")).content.decode()
    assert content.count("TLP:AMBER+STRICT · Limited disclosure: share only within the named organisations.") == 2


def test_campaign_links_name_only_what_every_member_may_see(flags):
    _, by_label, _ = flags
    step = CampaignStepFactory()
    step.red_flags.add(*by_label.values())
    linked = " ".join(link.label for link in portal_links(step))
    assert {label for label in Label if indicator(label) in linked} == {C, G}


def test_the_library_costs_the_same_queries_as_items_and_groups_grow(client, flags):
    stage, _by_label, viewers = flags
    viewer = viewers["group member"]
    client.force_login(viewer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("ecosystem:library")).status_code == 200
        return len(captured)

    client.get(reverse("ecosystem:library"))  # warms the content-type cache
    before = queries()
    for n in range(3):
        group = SharingGroupFactory(organisations=[viewer.member.organisation])
        for label in Label:
            flag = red_flag(stage=stage, indicator=f"More {n} {label.value}")
            RedFlag.objects.filter(pk=flag.pk).update(label=label)
            recipients_set(obj=flag, groups=[group])
    client.get(reverse("ecosystem:library"))  # the new flags made the cached filter choices be read again
    assert queries() == before


def suggestion(*, member, red_flag=None):
    if red_flag is not None:
        return Suggestion.objects.create(member=member, kind=SuggestionKind.CHANGE, red_flag=red_flag, text="Sharper")
    return Suggestion.objects.create(member=member, kind=SuggestionKind.NEW, stage=StageFactory(), text="Sharper")


def test_a_suggestion_is_seen_by_its_organisation_and_staff_only_by_default(client, without_mfa_requirement):
    item = suggestion(member=MemberFactory())
    assert item.label == Label.AMBER_STRICT
    url = reverse("ecosystem:suggestion", args=[item.pk])
    for user, code in (
        (item.member.user, 200),
        (MemberFactory(organisation=item.member.organisation).user, 200),
        (staff_user(), 200),
        (MemberFactory().user, 404),
    ):
        client.force_login(user)
        assert client.get(url).status_code == code
    assert AccessLog.objects.filter(channel=Channel.PAGE, label=Label.AMBER_STRICT).count() == 3


def test_a_page_and_an_email_never_quote_a_red_flag_the_reader_may_not_see(client, flags):
    _, by_label, _ = flags
    author = MemberFactory()
    item = suggestion(member=author, red_flag=by_label[G])
    label_change(obj=by_label[G], spec=RED_FLAG_SHARING, by=staff_user(), label=Label.RED, reason="Names a case")
    client.force_login(author.user)
    assert indicator(G) not in client.get(reverse("ecosystem:suggestion", args=[item.pk])).content.decode()
    suggestion_outcome_email_send(suggestion=item)
    assert indicator(G) not in mail.outbox[0].body


def test_a_label_tightened_by_a_colleague_hides_the_suggestion_at_once(client):
    item = suggestion(member=MemberFactory())
    colleague = MemberFactory(organisation=item.member.organisation).user
    label_change(obj=item, spec=SUGGESTION_SHARING, by=item.member.user, label=Label.RED, reason="Names a victim")
    client.force_login(colleague)
    assert client.get(reverse("ecosystem:suggestion", args=[item.pk])).status_code == 404


def test_a_member_tightens_a_red_flag_from_its_page_and_may_not_loosen_it_back(client, flags):
    _, by_label, viewers = flags
    client.force_login(viewers["named organisation"])
    url = reverse("ecosystem:red_flag_label", args=[by_label[G].pk])
    client.post(url, {"label": "amber", "reason": "Names a bank"})
    by_label[G].refresh_from_db()
    assert by_label[G].label == Label.AMBER
    client.post(url, {"label": "green", "reason": "Changed my mind"})
    by_label[G].refresh_from_db()
    assert by_label[G].label == Label.AMBER
    assert LabelChange.objects.get().reason == "Names a bank"


def test_a_suggestion_author_loosens_their_own_suggestion_from_its_page(client):
    item = suggestion(member=MemberFactory())
    client.force_login(item.member.user)
    assert b"Change the label" in client.get(reverse("ecosystem:suggestion", args=[item.pk])).content
    response = client.post(
        reverse("ecosystem:suggestion_label", args=[item.pk]), {"label": "green", "reason": "Useful to all"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.label == Label.GREEN


def test_indicator_sets_on_every_channel_follow_their_labels(client, flags, without_mfa_requirement):
    """Indicator sets have no author organisation, like red flags: the same matrix, on the set's page, list,
    printable page, the map's stage and the API."""
    stage, by_label, viewers = flags
    named_org = viewers["named organisation"].member.organisation
    group = viewers["group member"].member.organisation.sharing_groups.get()
    sets = {}
    for label in Label:
        sets[label] = indicator_set(
            red_flags=[by_label[C], by_label[G]], name=f"Set labelled {label.value}", publish_label=label
        )
        recipients_set(obj=sets[label], organisations=[named_org], groups=[group], people=[viewers["named person"]])

    def seen(channel: str) -> set[Label]:
        if channel in ("page", "api_detail"):
            url = "/api/v1/indicator-sets/{}/" if channel == "api_detail" else "/ecosystem/indicator-sets/{}/"
            return {label for label, item in sets.items() if client.get(url.format(item.pk)).status_code == 200}
        url = {
            "list": reverse("ecosystem:indicator_sets"),
            "print": reverse("ecosystem:indicator_sets_print"),
            "map": reverse("ecosystem:map", args=[stage.category.slug]) + f"?stage={stage.pk}",
            "api": "/api/v1/indicator-sets/",
        }[channel]
        content = client.get(url).content.decode()
        return {label for label in Label if f"Set labelled {label.value}" in content}

    wrong = []
    for relation, allowed in RED_FLAG_MATRIX.items():
        client.force_login(viewers[relation])
        for channel in ("page", "list", "print", "map", "api", "api_detail"):
            if (got := seen(channel)) != allowed:
                wrong.append((relation, channel, sorted(got), sorted(allowed)))
    assert wrong == []
