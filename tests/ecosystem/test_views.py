import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecosystem.models import RedFlagRating, Suggestion, SuggestionKind
from ecosystem.services import red_flag_rate, red_flag_retire, suggestion_submit
from initiatives.models import InitiativeStatus
from members.models import Activity, Member, Verb
from tests.ecosystem.factories import (
    ActorFactory,
    CategoryFactory,
    FlowFactory,
    SourceFactory,
    StageFactory,
    citation,
    red_flag,
)
from tests.initiatives.factories import InitiativeFactory
from tests.members.factories import MemberFactory, UserFactory, staff_user
from tests.personas.factories import PersonaFactory
from translations.services import translation_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def imb():
    """A small map: two stages, three actors, two flows, and red flags on each kind of part."""
    category = CategoryFactory(name="Illicit massage businesses", slug="imb")
    revenue = StageFactory(category=category, order=1, name="Revenue")
    laundering = StageFactory(category=category, order=2, name="Laundering")
    buyers = ActorFactory(stage=revenue, name="Sex buyers")
    storefront = ActorFactory(stage=revenue, name="Massage storefront")
    bank = ActorFactory(stage=laundering, name="Business bank account")
    takings = FlowFactory(
        stage=revenue, from_actor=buyers, to_actor=storefront, label="Card takings", instrument="card"
    )
    deposits = FlowFactory(stage=laundering, from_actor=storefront, to_actor=bank, label="Structured cash deposits")
    flags = {
        "late": red_flag(flow=takings, indicator="Card charges late at night", sectors=["payment_processor"]),
        "structured": red_flag(
            flow=deposits,
            indicator="Cash deposits just below the threshold",
            sectors=["bank"],
            citations=[citation(SourceFactory(key="fin-2014"), quote="Quoted words")],
        ),
        "payroll": red_flag(
            actor=bank,
            indicator="Revenue with no payroll",
            sectors=["bank"],
            jurisdiction="United Kingdom",
            threshold="Cash over GBP 10,000",
        ),
        "couriers": red_flag(
            stage=laundering, indicator="Cash couriers carry proceeds abroad", sectors=["money_services"]
        ),
    }
    red_flag(stage=laundering, indicator="An unpublished draft", publish=False)
    return {
        "category": category,
        "revenue": revenue,
        "laundering": laundering,
        "bank": bank,
        "deposits": deposits,
        **flags,
    }


@pytest.mark.parametrize(
    "url",
    [
        reverse("ecosystem:catalogue"),
        reverse("ecosystem:library"),
        reverse("ecosystem:library_csv"),
        reverse("ecosystem:library_print"),
        reverse("ecosystem:my_suggestions"),
        reverse("ecosystem:suggest"),
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_nothing_of_the_map_is_public(client, imb):
    for url in [reverse("ecosystem:map", args=["imb"]), reverse("ecosystem:red_flag", args=[imb["late"].pk])]:
        assert client.get(url).status_code == 302


def test_pending_members_are_refused(client, imb):
    client.force_login(MemberFactory(status=Member.Status.PENDING).user)
    response = client.get(reverse("ecosystem:map", args=["imb"]))
    assert response.status_code == 302
    assert response.url == reverse("members:awaiting_approval")


def test_staff_without_portal_access_are_refused(client, imb, without_mfa_requirement):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("ecosystem:library")).status_code == 403


def test_catalogue_lists_every_category_with_its_status(member_client, imb):
    CategoryFactory(name="Domestic work", status="not_started")
    content = member_client.get(reverse("ecosystem:catalogue")).content.decode()
    assert 'href="/ecosystem/imb/"' in content
    assert "Domestic work" in content
    assert "Not started" in content


def test_the_map_is_an_accessible_svg_with_a_text_equivalent(member_client, imb):
    content = member_client.get(reverse("ecosystem:map", args=["imb"])).content.decode()
    svg = content[content.index("<svg") : content.index("</svg>")]
    assert 'role="group"' in svg
    assert '<title id="eco-map-title">Ecosystem map of Illicit massage businesses</title>' in svg
    assert "2 stages from left to right (Revenue, Laundering), 3 actors" in svg
    # Every stage, actor and flow is a labelled link to its red flags, in the drawing …
    assert f'href="?stage={imb["laundering"].pk}#red-flags"' in svg
    assert 'aria-label="Stage 2: Laundering, 3 red flags"' in svg
    assert 'aria-label="Business bank account, 2 red flags, actor (operator (manager on site))"' in svg
    assert "Flow: Card takings, from Sex buyers to Massage storefront, card, 1 red flag" in svg
    # … and in the text below it: stages in order with their actors, and a table of flows.
    text = content[content.index('id="text-heading"') :]
    assert text.index("Revenue") < text.index("Laundering")
    assert f'<a href="?actor={imb["bank"].pk}#red-flags">Business bank account</a>' in text
    assert "<caption>Financial flows of Illicit massage businesses</caption>" in text
    assert re.search(r"Structured cash deposits</a></th>\s*<td>Massage storefront</td>\s*<td>Business bank", text)


def test_choosing_a_stage_shows_its_red_flags_and_those_of_its_actors_and_flows(member_client, imb):
    url = reverse("ecosystem:map", args=["imb"])
    content = member_client.get(url, {"stage": imb["laundering"].pk}).content.decode()
    assert "Red flags: Laundering stage" in content
    for key in ("structured", "payroll", "couriers"):
        assert imb[key].indicator in content
    assert imb["late"].indicator not in content
    assert "An unpublished draft" not in content
    assert f"/ecosystem/suggest/?stage={imb['laundering'].pk}" in content


def test_the_red_flag_panel_filters_by_sector(member_client, imb):
    url = reverse("ecosystem:map", args=["imb"])
    content = member_client.get(url, {"stage": imb["laundering"].pk, "sector": "bank"}).content.decode()
    assert imb["structured"].indicator in content
    assert imb["couriers"].indicator not in content


def test_choosing_an_actor_or_a_flow(member_client, imb):
    url = reverse("ecosystem:map", args=["imb"])
    content = member_client.get(url, {"actor": imb["bank"].pk}).content.decode()
    assert imb["payroll"].indicator in content
    assert imb["structured"].indicator in content
    content = member_client.get(url, {"flow": imb["deposits"].pk}).content.decode()
    assert imb["structured"].indicator in content
    assert imb["payroll"].indicator not in content


def test_a_part_of_another_map_is_not_found(member_client, imb):
    other = StageFactory()
    assert member_client.get(reverse("ecosystem:map", args=["imb"]), {"stage": other.pk}).status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"late", "structured", "payroll", "couriers"}),
        ({"sector": "bank"}, {"structured", "payroll"}),
        ({"q": "threshold"}, {"structured"}),
        ({"q": "quoted words"}, {"structured"}),  # the cited passage is searched too
        ({"jurisdiction": "United Kingdom"}, {"late", "structured", "payroll", "couriers"}),  # + the global ones
        ({"category": "imb", "stage": "laundering"}, {"structured", "payroll", "couriers"}),
    ],
)
def test_library_search_and_filters(member_client, imb, query, expected):
    if query.get("stage") == "laundering":
        query = {**query, "stage": imb["laundering"].pk}
    content = member_client.get(reverse("ecosystem:library"), query).content.decode()
    shown = {key for key in ("late", "structured", "payroll", "couriers") if imb[key].indicator in content}
    assert shown == expected
    assert "An unpublished draft" not in content


def test_library_filters_by_jurisdiction_and_shows_the_threshold(member_client, imb):
    red_flag(stage=imb["revenue"], indicator="A United States flag", jurisdiction="United States")
    content = member_client.get(reverse("ecosystem:library"), {"jurisdiction": "United Kingdom"}).content.decode()
    assert "Revenue with no payroll" in content
    assert "Cash over GBP 10,000" in content
    assert "Card charges late at night" in content  # global: applies everywhere
    assert "A United States flag" not in content
    choices = member_client.get(reverse("ecosystem:library")).content.decode()
    assert '<option value="United States">' in choices


def test_library_filters_by_persona(member_client, imb):
    from personas.models import Persona

    investigator = Persona.objects.create(name="AML investigator", sector="financial_institution", summary="x")
    imb["payroll"].personas.add(investigator)
    content = member_client.get(reverse("ecosystem:library"), {"persona": investigator.pk}).content.decode()
    assert imb["payroll"].indicator in content
    assert imb["structured"].indicator not in content


def test_retired_flags_leave_the_library(member_client, imb):
    red_flag_retire(red_flag=imb["late"], by=staff_user(), reason="Superseded")
    assert imb["late"].indicator not in member_client.get(reverse("ecosystem:library")).content.decode()
    assert member_client.get(reverse("ecosystem:red_flag", args=[imb["late"].pk])).status_code == 404


def test_csv_export_has_the_filtered_flags_with_their_sources(member_client, imb):
    response = member_client.get(reverse("ecosystem:library_csv"), {"sector": "bank"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    lines = response.content.decode().splitlines(keepends=True)
    assert (
        lines[0]
        == lines[-1]
        == "# TLP:GREEN · Limited disclosure: share within the member community, not publicly.\r\n"
    )
    rows = list(csv.DictReader(io.StringIO("".join(lines[1:-1]))))
    assert [row["indicator"] for row in rows] == [
        "Cash deposits just below the threshold",
        "Revenue with no payroll",
    ]  # map order: both laundering; in the order they were made
    first = rows[0]
    assert (first["category"], first["flow"], first["stage"], first["actor"]) == (
        "imb",
        "Structured cash deposits",
        "",
        "",
    )
    assert first["observed_by"] == "bank"
    assert (first["source"], first["locator"], first["quote"]) == ("fin-2014", "Section 2", "Quoted words")
    assert first["review_state"] == "published"
    assert first["version"] == "1"


def test_csv_export_defuses_spreadsheet_formulas(member_client, imb):
    red_flag(stage=imb["revenue"], indicator='=HYPERLINK("http://evil")', citations=[citation(quote="-Polaris")])
    lines = member_client.get(reverse("ecosystem:library_csv")).content.decode().splitlines(keepends=True)
    rows = list(csv.DictReader(io.StringIO("".join(lines[1:-1]))))  # between the two label lines
    evil = next(row for row in rows if "HYPERLINK" in row["indicator"])
    assert evil["indicator"].startswith("'=")
    assert evil["quote"] == "'-Polaris"


def test_printable_page_lists_the_filtered_flags(member_client, imb):
    content = member_client.get(reverse("ecosystem:library_print"), {"sector": "bank"}).content.decode()
    assert "2 red flags" in content
    assert imb["payroll"].indicator in content
    assert imb["late"].indicator not in content
    assert "Members only" in content
    assert "data-print" in content


def test_rating_with_htmx_returns_the_rating_block(member_client, member, imb):
    flag = imb["late"]
    response = member_client.post(
        reverse("ecosystem:rate", args=[flag.pk]), {"usefulness": "4"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert content.strip().startswith(f'<div class="eco-rating" id="rating-{flag.pk}">')
    assert "4.0/5 from 1 rating" in content
    assert "your rating: 4/5" in content
    assert Activity.objects.filter(member=member, verb=Verb.RED_FLAG_RATED).count() == 1


def test_rating_without_javascript_redirects_back(member_client, member, imb):
    flag = imb["late"]
    back = reverse("ecosystem:map", args=["imb"]) + f"?flow={flag.flow_id}"
    response = member_client.post(reverse("ecosystem:rate", args=[flag.pk]), {"usefulness": "5", "next": back})
    assert response.status_code == 302
    assert response.url == back
    assert RedFlagRating.objects.get(member=member).usefulness == 5
    evil = member_client.post(
        reverse("ecosystem:rate", args=[flag.pk]), {"usefulness": "5", "next": "https://evil.example/"}
    )
    assert evil.url == reverse("ecosystem:red_flag", args=[flag.pk])


def test_rating_out_of_range_is_refused(member_client, imb):
    member_client.post(reverse("ecosystem:rate", args=[imb["late"].pk]), {"usefulness": "9"})
    assert not RedFlagRating.objects.exists()


def test_suggesting_a_new_red_flag(member_client, member, imb):
    response = member_client.post(
        reverse("ecosystem:suggest"),
        {
            "kind": "new",
            "stage": imb["laundering"].pk,
            "text": "Cashier's cheques bought with cash at several branches",
            "evidence": "Two referrals last year",
        },
    )
    suggestion = Suggestion.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("ecosystem:suggestion", args=[suggestion.pk])
    assert (suggestion.member, suggestion.stage, suggestion.kind) == (member, imb["laundering"], SuggestionKind.NEW)
    assert Activity.objects.filter(member=member, verb=Verb.RED_FLAG_SUGGESTED).count() == 1
    content = member_client.get(reverse("ecosystem:my_suggestions")).content.decode()
    assert "Cashier&#x27;s cheques" in content
    assert "Waiting for review" in content


def test_a_suggestion_form_explains_what_is_missing(member_client, imb):
    response = member_client.post(reverse("ecosystem:suggest"), {"kind": "change", "text": "Reword it"})
    assert response.status_code == 200
    assert "Choose the red flag you suggest changing." in response.content.decode()
    assert not Suggestion.objects.exists()


def test_suggestions_are_visible_to_their_author_and_staff_only(client, member, imb, without_mfa_requirement):
    suggestion = suggestion_submit(member=member, kind="new", text="Mine", stage=imb["laundering"])
    url = reverse("ecosystem:suggestion", args=[suggestion.pk])
    client.force_login(member.user)
    assert client.get(url).status_code == 200
    other = MemberFactory()
    client.force_login(other.user)
    assert client.get(url).status_code == 404
    assert "Mine" not in client.get(reverse("ecosystem:my_suggestions")).content.decode()
    client.force_login(staff_user())
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("size", [1, 6])
def test_map_query_count_is_constant(member_client, django_assert_num_queries, size):
    category = CategoryFactory(slug="sized")
    stages = [StageFactory(category=category, order=index + 1) for index in range(size)]
    for stage in stages:
        flow = FlowFactory(stage=stage)
        red_flag(flow=flow, sectors=["bank", "ngo"])
        red_flag(stage=stage, sectors=["bank"])
        InitiativeFactory().stages.add(stages[0])
    member_client.get("/")
    url = reverse("ecosystem:map", args=["sized"])
    # 14 of the map and the navigation's unread count, then the initiatives working on the stage
    with django_assert_num_queries(13):  # + the citations with their sources, + the stage's indicator sets
        assert member_client.get(url, {"stage": stages[0].pk}).status_code == 200


def test_the_map_shows_stage_and_actor_names_in_the_readers_language(client):
    category = CategoryFactory(slug="translated")
    stage = StageFactory(category=category, name="Recruitment", description="Victims are recruited")
    flow = FlowFactory(stage=stage, from_actor__name="Recruiter", to_actor__name="Trafficker", category=category)
    translation_save(obj=stage, language="es", fields={"name": "Captación", "description": "Se capta a las víctimas"})
    translation_save(obj=flow.from_actor, language="es", fields={"name": "Captador"})
    client.force_login(MemberFactory(language="es").user)
    url = reverse("ecosystem:map", args=["translated"])
    page = client.get(url, {"stage": stage.pk}).content.decode()
    for spanish in ("Captación", "Se capta a las víctimas", "Captador"):
        assert spanish in page
    # in the drawing (its wrapped lines and labels), the text version, the flows table and the panel's heading
    assert "Recruitment" not in page
    assert "Recruiter" not in page
    assert "Trafficker" in page  # no translation yet: the English name
    client.force_login(MemberFactory().user)
    assert "Recruitment" in client.get(url).content.decode()


@pytest.mark.parametrize("size", [1, 6])
def test_the_translated_map_costs_the_same_queries_whatever_its_size(client, size, django_assert_num_queries):
    category = CategoryFactory(slug="sized")
    for index in range(size):
        flow = FlowFactory(stage=StageFactory(category=category, order=index + 1), category=category)
        for part in (flow.stage, flow.from_actor, flow.to_actor):
            translation_save(obj=part, language="fr", fields={"name": f"FR {part.name}"})
    client.force_login(MemberFactory(language="fr").user)
    url = reverse("ecosystem:map", args=["sized"])
    client.get(url)
    with django_assert_num_queries(8):  # the map's 10, + one for the stages' and one for the actors' names
        assert "FR Stage" in client.get(url).content.decode()


@pytest.mark.parametrize("size", [2, 30])
def test_library_query_count_is_constant(member_client, django_assert_num_queries, size):
    stage = StageFactory()
    for index in range(size):
        red_flag(stage=stage, indicator=f"Indicator {index}", sectors=["bank", "money_services"])
    member_client.get(reverse("ecosystem:library"))
    # the user with its member and permissions, the count, the page with observing sectors and my rating, personas,
    # citations with their sources; the filter choices are cached (ecosystem.filter_choices)
    with django_assert_num_queries(5):
        assert member_client.get(reverse("ecosystem:library"), {"sector": "bank"}).status_code == 200


def test_the_library_page_reads_my_rating_and_the_observers_with_its_rows(member_client, member):
    """What the page's one query brings in place of the prefetch and the ratings query: the same page."""
    stage = StageFactory()
    mine = red_flag(stage=stage, indicator="Rated by me", sectors=["bank", "money_services"])
    red_flag(stage=stage, indicator="Not rated", sectors=["payment_processor"])
    red_flag_rate(member=member, red_flag=mine, usefulness=4)
    response = member_client.get(reverse("ecosystem:library"))
    rows = {row.indicator: row for row in response.context["page"]}
    assert rows["Rated by me"].my_rating == 4
    assert rows["Not rated"].my_rating is None
    assert [observer.sector for observer in rows["Rated by me"].observers.all()] == ["bank", "money_services"]
    content = response.content.decode()
    assert "your rating: 4/5" in content
    assert "Card acquirer or payment processor" in content


def test_the_cached_filter_choices_follow_every_change_at_once(member_client):
    url = reverse("ecosystem:library")

    def labels(name: str) -> list[str]:
        return [str(label) for _value, label in member_client.get(url).context["filter"].form.fields[name].choices]

    stage = StageFactory(name="Recruitment")
    red_flag(stage=stage, jurisdiction="FR")
    assert any("Recruitment" in label for label in labels("stage"))
    assert "FR" in labels("jurisdiction")
    StageFactory(name="Transport", category=stage.category)
    assert any("Transport" in label for label in labels("stage"))
    persona = PersonaFactory(name="Fraud analyst")
    assert "Fraud analyst" in labels("persona")
    persona.is_active = False
    persona.save()
    assert "Fraud analyst" not in labels("persona")
    # A filter chosen from them works as the model filters did.
    response = member_client.get(url, {"stage": stage.pk, "category": stage.category.slug})
    assert [row.stage_id for row in response.context["page"]] == [stage.pk]


def test_staff_without_a_member_profile_cannot_rate_or_suggest(client, imb, without_mfa_requirement):
    client.force_login(staff_user())
    assert client.get(reverse("ecosystem:library")).status_code == 200
    assert client.get(reverse("ecosystem:suggest")).status_code == 403
    assert client.post(reverse("ecosystem:rate", args=[imb["late"].pk]), {"usefulness": "3"}).status_code == 403


# The initiatives working on a red flag or a stage


def test_a_red_flag_shows_the_initiatives_working_on_it_but_never_drafts_to_members(
    member_client, imb, without_mfa_requirement
):
    flag = imb["payroll"]
    group = InitiativeFactory(title="Red-flag working group", status=InitiativeStatus.OPEN)
    done = InitiativeFactory(title="Past pilot", status=InitiativeStatus.COMPLETED)
    draft = InitiativeFactory(title="Draft briefing", status=InitiativeStatus.DRAFT)
    InitiativeFactory(title="Elsewhere").red_flags.add(imb["couriers"])
    for initiative in (group, done, draft):
        initiative.red_flags.add(flag)
    url = reverse("ecosystem:red_flag", args=[flag.pk])

    content = member_client.get(url).content.decode()
    assert content.index("Red-flag working group") < content.index("Past pilot")  # joinable first
    assert f'href="{group.get_absolute_url()}"' in content
    assert "Draft briefing" not in content
    assert "Elsewhere" not in content

    member_client.force_login(staff_user())
    assert "Draft briefing" in member_client.get(url).content.decode()


def test_a_red_flag_without_initiatives_says_so(member_client, imb):
    content = member_client.get(reverse("ecosystem:red_flag", args=[imb["couriers"].pk])).content.decode()
    assert "No initiative works on this red flag yet." in content


def test_the_stage_panel_shows_the_initiatives_working_on_the_stage(member_client, imb):
    InitiativeFactory(title="Laundering typologies training").stages.add(imb["laundering"])
    InitiativeFactory(title="Hidden draft", status=InitiativeStatus.DRAFT).stages.add(imb["laundering"])
    url = reverse("ecosystem:map", args=["imb"])

    content = member_client.get(url, {"stage": imb["laundering"].pk}).content.decode()
    assert "Laundering typologies training" in content
    assert "Hidden draft" not in content
    assert (
        "No initiative works on this stage yet."
        in member_client.get(url, {"stage": imb["revenue"].pk}).content.decode()
    )
    assert "Initiatives working on" not in member_client.get(url, {"actor": imb["bank"].pk}).content.decode()


@pytest.mark.parametrize("count", [1, 15])
def test_red_flag_page_query_count_is_constant(member_client, django_assert_num_queries, imb, count):
    flag = imb["payroll"]
    for initiative in InitiativeFactory.create_batch(count):
        initiative.red_flags.add(flag)
    url = reverse("ecosystem:red_flag", args=[flag.pk])
    member_client.get(url)
    # the user with its member and permissions, red flag, its observers and personas, my rating, versions, the
    # initiatives working on it, the outcomes panel's aggregates, whether today's view is recorded already (the
    # outcomes invitation reads views), the citations with their sources
    with django_assert_num_queries(10):
        content = member_client.get(url).content.decode()
    assert content.count("Red-flag working group") == count


# Query counts of the other lists (audit of issue 9): pinned, and the same as rows grow.


def query_count(client, url, params=None) -> int:
    client.get(url, params)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as context:
        assert client.get(url, params).status_code == 200
    return len(context)


def test_catalogue_query_count_is_constant(member_client):
    CategoryFactory()
    few = query_count(member_client, reverse("ecosystem:catalogue"))
    for _ in range(12):
        red_flag(stage=StageFactory(category=CategoryFactory()))
    assert query_count(member_client, reverse("ecosystem:catalogue")) == few == 2


@pytest.mark.parametrize(("url_name", "queries"), [("ecosystem:library_print", 5), ("ecosystem:library_csv", 5)])
def test_printable_page_and_csv_query_counts_are_constant(member_client, url_name, queries):
    stage = StageFactory()
    red_flag(stage=stage, sectors=["bank"])
    few = query_count(member_client, reverse(url_name), {"sector": "bank"})
    for index in range(15):
        red_flag(stage=StageFactory(), indicator=f"Indicator {index}", sectors=["bank", "ngo"])
    assert query_count(member_client, reverse(url_name), {"sector": "bank"}) == few == queries


def test_my_suggestions_query_count_is_constant(member_client, member):
    stage = StageFactory()
    suggestion_submit(member=member, kind="new", text="The first", stage=stage)
    few = query_count(member_client, reverse("ecosystem:my_suggestions"))
    for index in range(12):
        suggestion_submit(member=member, kind="change", text=f"Change {index}", red_flag=red_flag(stage=stage))
    assert query_count(member_client, reverse("ecosystem:my_suggestions")) == few == 3
