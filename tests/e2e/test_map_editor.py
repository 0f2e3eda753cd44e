"""Staff build a small map with the keyboard alone in the map editor: two stages, reordered, two actors and
a flow between them; a flow from an actor to itself is refused with the models' message; the last change is
undone through the map's revisions. The preview shows each stage, actor and flow as it is typed, before it
is saved."""

import pytest
from playwright.sync_api import expect

from ecosystem.mapping import map_start
from ecosystem.models import FinancialFlow, Stage
from tests.e2e.test_membership import sign_in
from tests.ecosystem.factories import CategoryFactory
from tests.members.factories import PASSWORD, staff_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def type_into(page, label: str, text: str) -> None:
    page.get_by_label(label, exact=True).focus()
    page.keyboard.type(text)


def choose(page, label: str, option: str) -> None:
    """A native select, chosen from the keyboard: focus it, then type the option's first letters."""
    field = page.get_by_label(label, exact=True)
    field.focus()
    page.keyboard.type(option)
    expect(field.locator("option:checked")).to_have_text(option)


def press_button(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).focus()
    page.keyboard.press("Enter")


def test_staff_build_a_small_map_with_the_keyboard(page, without_mfa_requirement):
    owner = staff_user(email="mapper@knoble.example")
    category = CategoryFactory(name="Domestic work", slug="domestic-work", status="not_started")
    map_start(category=category, owner=owner, by=owner)
    sign_in(page, owner.email, PASSWORD)
    page.goto("/ecosystem/staff/maps/domestic-work/")

    type_into(page, "New stage", "Wages")
    press_button(page, "Add stage")
    expect(page.locator(".messages").get_by_text("Stage added: Wages.")).to_be_visible()
    preview = page.get_by_role("group", name="Ecosystem map of Domestic work")
    pending = page.locator("[data-preview-status]")
    type_into(page, "New stage", "Recruitment")
    # The live preview follows the form as it is typed, before anything is saved.
    expect(preview.locator("[data-pending=stage]")).to_contain_text("Recruitment")
    expect(pending).to_have_text("Not saved yet, shown dashed on the map: stage “Recruitment”.")
    assert not Stage.objects.filter(category=category, name="Recruitment").exists()
    press_button(page, "Add stage")
    press_button(page, "Move Recruitment earlier")
    expect(page.locator(".messages").get_by_text("Stage moved: Recruitment.")).to_be_visible()
    assert list(Stage.objects.filter(category=category).values_list("name", flat=True)) == ["Recruitment", "Wages"]

    type_into(page, "Name", "Placement agency")
    choose(page, "Kind", "Recruiter or broker")
    press_button(page, "Place actor")
    type_into(page, "Name", "Domestic worker")
    choose(page, "Kind", "Victim")
    choose(page, "Stage", "Wages")
    preview = page.get_by_role("group", name="Ecosystem map of Domestic work")
    expect(preview.locator("[data-pending=actor]")).to_contain_text("Domestic worker")
    expect(page.locator("[data-preview-status]")).to_contain_text("actor “Domestic worker” in Wages")
    press_button(page, "Place actor")
    # Saved, the actor is part of the server-drawn map, and nothing is pending any more.
    expect(preview.locator(".eco-actor", has_text="Domestic worker")).to_have_count(1)
    expect(preview.locator(".eco-pending")).to_have_count(0)

    type_into(page, "Label", "Placement fee")
    choose(page, "From actor", "Domestic worker")
    choose(page, "To actor", "Domestic worker")
    press_button(page, "Draw flow")
    expect(page.locator(".messages").get_by_text("A flow goes from one actor to another.")).to_be_visible()
    type_into(page, "Label", "Placement fee")
    choose(page, "From actor", "Domestic worker")
    choose(page, "To actor", "Placement agency")
    expect(preview.locator("[data-pending=flow]")).to_contain_text("Placement fee")
    assert not FinancialFlow.objects.filter(category=category).exists()
    press_button(page, "Draw flow")
    expect(page.locator(".messages").get_by_text("Flow drawn: Placement fee.")).to_be_visible()
    assert FinancialFlow.objects.filter(category=category, label="Placement fee").exists()

    press_button(page, "Undo the last change")
    expect(page.locator(".messages").get_by_text("Undid: Flow drawn: Placement fee")).to_be_visible()
    assert not FinancialFlow.objects.filter(category=category).exists()
