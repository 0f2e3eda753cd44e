"""Indicator sets: the database's rules, the review through the services, CSV import and export, the admin, and
the recipients removed with a deleted labelled object."""

import csv
import io

import pytest
from django.contrib.admin import helpers
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from ecosystem.csv_io import IndicatorSetCsvFormat, labelled_csv_import, write_indicator_sets_csv
from ecosystem.models import IndicatorSet, ReviewState, Suggestion, SuggestionKind
from ecosystem.services import (
    indicator_set_create,
    indicator_set_publish,
    indicator_set_submit,
    indicator_set_update,
    indicator_set_verify,
)
from sharing.models import Label, LabelChange, Recipient
from sharing.services import recipients_set
from tests.ecosystem.factories import (
    CategoryFactory,
    SourceFactory,
    StageFactory,
    citation,
    indicator_set,
    publisher,
    red_flag,
    verifier,
)
from tests.members.factories import MemberFactory, OrganisationFactory, staff_user

pytestmark = pytest.mark.django_db


def two_flags(**kwargs):
    stage = StageFactory()
    return [red_flag(stage=stage, **kwargs), red_flag(stage=stage, indicator="Frequent payments for lodging", **kwargs)]


def test_the_database_refuses_a_minimum_below_one_and_a_verifier_who_is_the_author():
    draft = indicator_set(publish=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorSet.objects.filter(pk=draft.pk).update(minimum=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorSet.objects.filter(pk=draft.pk).update(author=publisher(), verified_by=publisher())
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorSet.objects.filter(pk=draft.pk).update(review_state=ReviewState.PUBLISHED)


@pytest.mark.parametrize("minimum", [0, 3])
def test_the_minimum_is_between_one_and_the_number_of_red_flags(minimum):
    flags = two_flags()
    with pytest.raises(ValidationError) as error:
        indicator_set_create(
            category=flags[0].category,
            name="Set",
            rationale="Why",
            minimum=minimum,
            red_flags=flags,
            citations=[citation()],
        )
    assert "minimum" in error.value.message_dict


def test_a_set_combines_red_flags_of_its_own_category_and_cites_a_located_quote():
    flags = two_flags()
    stranger = red_flag()
    with pytest.raises(ValidationError, match="another category"):
        indicator_set(red_flags=[flags[0], stranger], publish=False)
    with pytest.raises(ValidationError, match="Quote the passage"):
        indicator_set(red_flags=flags, publish=False, citations=[citation(quote=" ")])


def test_two_staff_members_publish_a_set_under_the_label_staff_choose():
    draft = indicator_set(publish=False)
    indicator_set_submit(indicator_set=draft, by=publisher())
    with pytest.raises(ValidationError, match="its author cannot"):
        indicator_set_verify(indicator_set=draft, by=publisher())
    with pytest.raises(ValidationError, match="not verified"):
        indicator_set_publish(indicator_set=draft, by=verifier(), reason="x")
    indicator_set_verify(indicator_set=draft, by=verifier())
    published = indicator_set_publish(indicator_set=draft, by=verifier(), reason="Checked", label=Label.AMBER)
    assert (published.review_state, published.label) == (ReviewState.PUBLISHED, Label.AMBER)
    change = LabelChange.objects.get()
    assert (change.old_label, change.new_label, change.reason) == (Label.GREEN, Label.AMBER, "Checked")


def test_a_set_needs_its_minimum_of_published_red_flags_to_be_published():
    stage = StageFactory()
    flags = [red_flag(stage=stage), red_flag(stage=stage, publish=False)]
    draft = indicator_set(red_flags=flags, publish=False)
    indicator_set_submit(indicator_set=draft, by=publisher())
    indicator_set_verify(indicator_set=draft, by=verifier())
    with pytest.raises(ValidationError, match="fewer than its minimum"):
        indicator_set_publish(indicator_set=draft, by=publisher(), reason="x")


def test_a_change_to_a_published_set_takes_it_back_to_draft():
    published = indicator_set()
    changed = indicator_set_update(indicator_set=published, fields={"minimum": 1}, by=publisher())
    assert (changed.review_state, changed.minimum, changed.verified_by) == (ReviewState.DRAFT, 1, None)
    with pytest.raises(ValidationError):
        indicator_set_update(indicator_set=published, fields={"minimum": 5}, by=publisher())


def test_the_csv_export_imports_again_with_its_label_lines():
    original = indicator_set()
    buffer = io.StringIO()
    write_indicator_sets_csv(IndicatorSet.objects.prefetch_related("members", "citations__source"), buffer)
    text = f"# TLP:GREEN · a line\r\n{buffer.getvalue()}# TLP:GREEN · a line\r\n"
    result = labelled_csv_import(csv_format=IndicatorSetCsvFormat(by=publisher()), text=text)
    assert (result.errors, result.updated) == ((), 1)
    original.refresh_from_db()
    assert original.review_state == ReviewState.DRAFT


def test_an_import_names_every_bad_row_with_the_line_of_the_uploaded_file():
    flags = two_flags()
    SourceFactory(key="fincen")
    ids = f"{flags[0].pk}; {flags[1].pk}"
    text = (
        "# TLP:GREEN · a line\n"
        "category,name,rationale,minimum,red_flags,source,locator,quote\n"
        f"{flags[0].category.slug},Good,Why,2,{ids},fincen,p. 4,Quoted\n"
        f"{flags[0].category.slug},No quote,Why,2,{ids},fincen,p. 4,\n"
        f"{flags[0].category.slug},Too many,Why,3,{ids},fincen,p. 4,Quoted\n"
        f"{flags[0].category.slug},Unknown source,Why,2,{ids},nobody,p. 4,Quoted\n"
    )
    result = labelled_csv_import(csv_format=IndicatorSetCsvFormat(by=publisher()), text=text)
    assert [error.line for error in result.errors] == [4, 5, 6]
    assert not IndicatorSet.objects.exists()


def test_deleting_a_labelled_object_removes_its_recipients():
    draft = indicator_set(publish=False)
    recipients_set(obj=draft, organisations=[OrganisationFactory()], people=[staff_user()])
    member = MemberFactory()
    suggestion = Suggestion.objects.create(member=member, kind=SuggestionKind.NEW, stage=StageFactory(), text="x")
    recipients_set(obj=suggestion, organisations=[OrganisationFactory()])
    draft.delete()
    assert not Recipient.objects.filter(content_type=ContentType.objects.get_for_model(IndicatorSet)).exists()
    Suggestion.objects.filter(pk=suggestion.pk).delete()
    assert not Recipient.objects.exists()


@pytest.fixture
def staff_client(client, without_mfa_requirement):
    client.force_login(staff_user(email="editor@knoble.example"))
    return client


def run_action(client, action, objects, **extra):
    return client.post(
        reverse("admin:ecosystem_indicatorset_changelist"),
        {"action": action, helpers.ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], **extra},
        follow=True,
    )


def test_staff_publish_a_verified_set_under_a_chosen_label_in_the_admin(staff_client):
    draft = indicator_set(publish=False)
    indicator_set_submit(indicator_set=draft, by=publisher())
    indicator_set_verify(indicator_set=draft, by=verifier())
    page = run_action(staff_client, "publish", [draft]).content.decode()
    assert "Publish under the label" in page
    done = run_action(staff_client, "publish", [draft], apply="Confirm", text="Checked", label=Label.AMBER_STRICT)
    assert "Publish indicator sets: done for 1." in done.content.decode()
    draft.refresh_from_db()
    assert (draft.review_state, draft.label) == (ReviewState.PUBLISHED, Label.AMBER_STRICT)


def test_the_admin_pages_list_import_and_export_sets(staff_client):
    published = indicator_set()
    assert staff_client.get(reverse("admin:ecosystem_indicatorset_changelist")).status_code == 200
    assert staff_client.get(reverse("admin:ecosystem_indicatorset_change", args=[published.pk])).status_code == 200
    assert staff_client.get(reverse("admin:ecosystem_indicatorset_add")).status_code == 200
    exported = run_action(staff_client, "export_csv", [published])
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert rows[0]["name"] == "Front business"
    assert rows[0]["quote"] == "A quoted passage of the source."
    upload = SimpleUploadedFile("sets.csv", exported.content, content_type="text/csv")
    response = staff_client.post(reverse("admin:ecosystem_indicatorset_import"), {"file": upload}, follow=True)
    assert "1 changed" in response.content.decode()


def test_a_category_of_its_own_is_required():
    with pytest.raises(ValidationError):
        indicator_set(red_flags=two_flags(), category=CategoryFactory(), publish=False)
