import csv
import io

import pytest
from django.contrib.admin import helpers
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ecosystem.mapping import map_stage_add, map_start, map_transition
from ecosystem.models import MapState, RedFlag, RedFlagRevision, ReviewState, RevisionKind, Stage, SuggestionStatus
from ecosystem.services import suggestion_submit
from tests.ecosystem.factories import (
    ActorFactory,
    CategoryFactory,
    FlowFactory,
    SourceFactory,
    StageFactory,
    red_flag,
)
from tests.members.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return staff_user(email="editor@knoble.example")


@pytest.fixture
def staff_client(client, staff, without_mfa_requirement):
    client.force_login(staff)
    return client


def run_action(client, model: str, action: str, objects, **extra):
    return client.post(
        reverse(f"admin:ecosystem_{model}_changelist"),
        {"action": action, helpers.ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], **extra},
        follow=True,
    )


def red_flag_form(flag: RedFlag, **changes) -> dict:
    data = {
        "indicator": flag.indicator,
        "detail": flag.detail,
        "stage": flag.stage_id or "",
        "actor": flag.actor_id or "",
        "flow": flag.flow_id or "",
        "confidence": flag.confidence,
        "jurisdiction": flag.jurisdiction,
        "threshold": flag.threshold,
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
        "observers-TOTAL_FORMS": "0",
        "observers-INITIAL_FORMS": "0",
        "revisions-TOTAL_FORMS": "0",
        "revisions-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def test_two_staff_members_take_a_draft_to_published_in_the_admin(client, staff_client, staff, without_mfa_requirement):
    drafts = [red_flag(publish=False), red_flag(publish=False)]
    assert "Send for review: done for 2." in run_action(staff_client, "redflag", "submit", drafts).content.decode()
    own = run_action(staff_client, "redflag", "verify", drafts).content.decode()
    assert "its author cannot" in own
    reviewer = staff_user(email="second@knoble.example")
    client.force_login(reviewer)
    assert "Verify: done for 2." in run_action(client, "redflag", "verify", drafts).content.decode()
    page = run_action(client, "redflag", "publish", drafts)
    assert "Reason (kept with the version)" in page.content.decode()
    done = run_action(client, "redflag", "publish", drafts, apply="Confirm", text="Checked against FinCEN")
    assert "Publish red flags: done for 2." in done.content.decode()
    assert RedFlag.objects.published().count() == 2
    assert set(RedFlagRevision.objects.values_list("author", "verified_by", "reason")) == {
        (reviewer.pk, reviewer.pk, "Checked against FinCEN")
    }
    assert set(RedFlag.objects.values_list("author", "verified_by")) == {(staff.pk, reviewer.pk)}


def test_a_published_flag_is_changed_through_its_pending_draft(staff_client):
    flag = red_flag(sectors=["bank"])
    url = reverse("admin:ecosystem_redflag_change", args=[flag.pk])
    staff_client.post(url, red_flag_form(flag, indicator="Sharper wording"))
    flag.refresh_from_db()
    assert flag.indicator == "Card transactions concentrated late at night"  # read-only once published
    run_action(staff_client, "redflag", "start_change", [flag])
    change = RedFlag.objects.get(revises=flag)
    response = staff_client.post(
        reverse("admin:ecosystem_redflag_change", args=[change.pk]), red_flag_form(change, indicator="Sharper wording")
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.indicator == "Sharper wording"
    flag.refresh_from_db()
    assert flag.indicator == "Card transactions concentrated late at night"
    history = staff_client.get(reverse("admin:ecosystem_redflag_history", args=[change.pk]))
    assert "editor@knoble.example" in history.content.decode()


def test_the_admin_refuses_attaching_a_flag_to_another_categorys_part(staff_client):
    flag = red_flag(publish=False)
    stranger = ActorFactory()
    response = staff_client.post(
        reverse("admin:ecosystem_redflag_change", args=[flag.pk]), red_flag_form(flag, stage="", actor=stranger.pk)
    )
    assert response.status_code == 200
    assert "belongs to" in response.content.decode()


def test_retiring_from_the_admin(staff_client):
    flag = red_flag()
    run_action(staff_client, "redflag", "retire", [flag], apply="Confirm", text="Superseded")
    flag.refresh_from_db()
    assert flag.review_state == ReviewState.RETIRED


def test_export_action_writes_the_import_format(staff_client):
    flags = [red_flag(sectors=["bank", "ngo"]), red_flag(publish=False)]
    response = run_action(staff_client, "redflag", "export_csv", flags)
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["review_state"] for row in rows] == ["published", "draft"]
    assert rows[0]["observed_by"] == "bank; ngo"


def upload(client, text: str, reason: str = "Quarterly update"):
    return client.post(
        reverse("admin:ecosystem_redflag_import"),
        {"file": SimpleUploadedFile("flags.csv", text.encode()), "reason": reason},
        follow=True,
    )


@pytest.fixture
def imb():
    category = CategoryFactory(slug="imb")
    laundering = StageFactory(category=category, name="Laundering")
    flow = FlowFactory(stage=laundering, label="Structured cash deposits")
    SourceFactory(key="fin-2014", document_number="FIN-2014-A008")
    SourceFactory(key="fin-2020", document_number="FIN-2020-A008")
    return {"category": category, "laundering": laundering, "flow": flow}


def test_import_creates_drafts_and_updates_by_id(staff_client, staff, imb):
    existing = red_flag(stage=imb["laundering"], indicator="Old wording")
    text = (
        "id,category,stage,actor,flow,indicator,detail,observed_by,personas,source,locator,quote,confidence\n"
        ",imb,,,Structured cash deposits,Deposits just below the threshold,,bank; money_services,,fin-2014,"
        "Appendix,Quoted words,high\n"
        f"{existing.pk},imb,Laundering,,,New wording,,bank,,fin-2014 || fin-2020,Appendix || Section 3,"
        "One passage || Another passage,medium\n"
    )
    page = upload(staff_client, text)
    assert "Imported: 1 new red flag(s) as drafts, 1 changed" in page.content.decode()
    new = RedFlag.objects.get(indicator="Deposits just below the threshold")
    assert (new.flow, new.review_state) == (imb["flow"], ReviewState.DRAFT)
    assert sorted(new.observers.values_list("sector", flat=True)) == ["bank", "money_services"]
    existing.refresh_from_db()
    assert existing.indicator == "Old wording"  # public until the change is verified and published
    change = RedFlag.objects.get(revises=existing)
    assert change.indicator == "New wording"
    assert list(change.citations.values_list("source__key", "locator", "quote")) == [
        ("fin-2014", "Appendix", "One passage"),
        ("fin-2020", "Section 3", "Another passage"),
    ]


def test_import_with_bad_rows_imports_nothing_and_reports_every_bad_row(staff_client, imb):
    text = (
        "category,stage,actor,flow,indicator,observed_by,source,locator,quote,confidence\n"
        "imb,Laundering,,,A good row,bank,fin-2014,Appendix,Words,high\n"
        "imb,Laundering,,,No source here,bank,,Appendix,Words,high\n"
        "nowhere,Laundering,,,Unknown category,bank,fin-2014,Appendix,Words,high\n"
        "imb,Laundering,,Structured cash deposits,Two parts,bank,fin-2014,Appendix,Words,high\n"
        "imb,Laundering,,,Bad sector,banks,fin-2014,Appendix,Words,high\n"
        "imb,Laundering,,,No quote,bank,fin-2014,Appendix,,high\n"
        "imb,Laundering,,,Unknown source,bank,fincen-2099,Appendix,Words,high\n"
        "imb,Laundering,,,No locator,bank,fin-2014,,Words,high\n"
    )
    content = upload(staff_client, text).content.decode()
    assert "Nothing was imported: 7 rows need fixing." in content
    assert "Line 3: the source is empty" in content
    assert "Line 7: the quote of fin-2014 is empty" in content
    assert "Line 8: unknown source &#x27;fincen-2099&#x27;" in content
    assert "Line 9: the locator of fin-2014 is empty" in content
    assert "Line 4: unknown category &#x27;nowhere&#x27;" in content
    assert "Line 5: name exactly one of stage, actor or flow" in content
    assert "Line 6: unknown observed_by banks" in content
    assert not RedFlag.objects.exists()


def test_a_dry_run_reports_the_changes_and_saves_nothing(staff_client, imb):
    text = (
        "category,stage,indicator,source,locator,quote\n"
        "imb,Laundering,Deposits just below the threshold,fin-2014,Appendix,Words\n"
    )
    response = staff_client.post(
        reverse("admin:ecosystem_redflag_import"),
        {"file": SimpleUploadedFile("flags.csv", text.encode()), "reason": "Check", "dry_run": "on"},
        follow=True,
    )
    assert "the file would add 1 and update 0 row(s). Nothing was saved." in response.content.decode()
    assert not RedFlag.objects.exists()


def test_import_needs_the_required_columns(staff_client):
    content = upload(staff_client, "indicator,source\nx,y\n").content.decode()
    assert "Line 1: missing column(s): category, locator, quote" in content


def test_suggestion_queue_shows_pending_first_and_decides_with_a_response(staff_client, mailoutbox, imb):
    member = MemberFactory()
    pending = suggestion_submit(member=member, kind="new", text="Cheques bought with cash", stage=imb["laundering"])
    changelist = staff_client.get(reverse("admin:ecosystem_suggestion_changelist")).content.decode()
    assert "Cheques bought with cash" in changelist
    page = run_action(staff_client, "suggestion", "reject", [pending], apply="Confirm", text="")
    assert "This field is required" in page.content.decode()
    run_action(staff_client, "suggestion", "reject", [pending], apply="Confirm", text="Already covered by #3")
    pending.refresh_from_db()
    assert pending.status == SuggestionStatus.REJECTED
    assert pending.staff_response == "Already covered by #3"
    assert (
        "Cheques bought with cash"
        not in staff_client.get(reverse("admin:ecosystem_suggestion_changelist")).content.decode()
    )  # the queue shows pending ones by default


def test_category_page_edits_stages_actors_and_flows_inline(staff_client, imb):
    ActorFactory(stage=imb["laundering"], name="Funnel account holders")
    content = staff_client.get(reverse("admin:ecosystem_traffickingcategory_change", args=[imb["category"].pk]))
    text = content.content.decode()
    assert "Funnel account holders" in text
    assert "Structured cash deposits" in text


@pytest.mark.parametrize("size", [2, 25])
def test_red_flag_admin_list_query_count_is_constant(staff_client, django_assert_num_queries, size):
    stage, actor, flow = StageFactory(), ActorFactory(), FlowFactory()
    for index in range(size):
        red_flag(**[{"stage": stage}, {"actor": actor}, {"flow": flow}][index % 3], indicator=f"Flag {index}")
    staff_client.get(reverse("admin:index"))
    with django_assert_num_queries(6):  # + the jurisdictions of the list filter
        assert staff_client.get(reverse("admin:ecosystem_redflag_changelist")).status_code == 200


@pytest.mark.parametrize("size", [2, 25])
def test_suggestion_admin_list_query_count_is_constant(staff_client, django_assert_num_queries, size):
    stage, flag = StageFactory(), red_flag()
    for index in range(size):
        member = MemberFactory()
        if index % 2:
            suggestion_submit(member=member, kind="new", text=f"New {index}", stage=stage)
        else:
            suggestion_submit(member=member, kind="change", text=f"Change {index}", red_flag=flag)
    staff_client.get(reverse("admin:index"))
    with django_assert_num_queries(4):
        assert staff_client.get(reverse("admin:ecosystem_suggestion_changelist")).status_code == 200


def _change_form_data(response) -> dict:
    """What the admin's change page would post back unchanged: its form and every inline formset."""
    data: dict = {}

    def add(form) -> None:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            data[bound.html_name] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


@pytest.fixture
def mapped(staff):
    cmap = map_start(category=CategoryFactory(), owner=staff, by=staff)
    map_transition(cmap=cmap, to=MapState.DRAFTING, by=staff)
    map_stage_add(cmap=cmap, name="Recruitment", by=staff)
    return cmap


def test_a_change_through_the_category_inlines_is_kept_as_a_map_revision(staff_client, mapped):
    url = reverse("admin:ecosystem_traffickingcategory_change", args=[mapped.category.pk])
    page = staff_client.get(url)
    assert reverse("ecosystem:map_editor", args=[mapped.category.slug]) in page.content.decode()
    data = _change_form_data(page)
    data["stages-0-name"] = "Recruitment abroad"
    before = mapped.revisions.count()
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert Stage.objects.get(category=mapped.category).name == "Recruitment abroad"
    revision = mapped.revisions.order_by("-number").first()
    assert mapped.revisions.count() == before + 1
    assert (revision.kind, revision.note) == (RevisionKind.EDIT, "Edited in the admin")
    assert [stage["name"] for stage in revision.snapshot["stages"]] == ["Recruitment abroad"]
    # Saving the page with no change to the parts records no revision.
    staff_client.post(url, _change_form_data(staff_client.get(url)))
    assert mapped.revisions.count() == before + 1


def test_the_inlines_are_read_only_where_the_editor_would_refuse(client, staff_client, mapped, without_mfa_requirement):
    url = reverse("admin:ecosystem_traffickingcategory_change", args=[mapped.category.pk])
    data = _change_form_data(staff_client.get(url))
    data["stages-0-name"] = "Renamed by someone else"
    other = staff_user(email="other@knoble.example")  # staff, but not the map's owner or a contributor
    client.force_login(other)
    before = mapped.revisions.count()
    client.post(url, data)
    assert Stage.objects.get(category=mapped.category).name == "Recruitment"
    assert mapped.revisions.count() == before


def test_a_part_s_own_admin_page_only_shows_it_and_points_to_the_editor(staff_client, mapped):
    stage = Stage.objects.get(category=mapped.category)
    url = reverse("admin:ecosystem_stage_change", args=[stage.pk])
    page = staff_client.get(url)
    assert page.status_code == 200
    assert reverse("ecosystem:map_editor", args=[mapped.category.slug]) in page.content.decode()
    staff_client.post(url, {"name": "Changed", "order": 1, "category": mapped.category.pk})
    stage.refresh_from_db()
    assert stage.name == "Recruitment"
    assert staff_client.get(reverse("admin:ecosystem_stage_add")).status_code == 403
