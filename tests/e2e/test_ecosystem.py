"""A member opens the IMB map, chooses the exploitation stage, reads a red flag beside the passage it restates,
narrows the red flags by sector, and suggests one."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ecosystem import demo
from ecosystem.models import Suggestion
from tests.e2e.test_membership import sign_in
from tests.members.factories import PASSWORD, MemberFactory, staff_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_member_explores_the_exploitation_stage_and_suggests_a_red_flag(page):
    staff_user()  # publishes the demo's red flags
    member = MemberFactory(user__email="analyst@northbridge.example", user__first_name="Ava")
    demo.seed()

    sign_in(page, member.user.email, PASSWORD)
    page.get_by_role("link", name="Ecosystem map").click()
    page.get_by_role("link", name="Illicit massage, health and beauty").click()
    expect(page.get_by_role("group", name=re.compile("Ecosystem map of Illicit massage"))).to_be_visible()

    page.get_by_role("link", name=re.compile(r"^Stage 3: Exploitation")).click()
    panel = page.locator("#red-flags")
    expect(panel.get_by_role("heading", name="Red flags: Exploitation stage")).to_be_visible()
    expect(panel).to_contain_text("Frequent payments to online escort services for advertising, from small posting")
    # The advisory's own words, beside the restatement, with where they are.
    expect(panel.locator("blockquote", has_text="including small posting fees to companies of")).to_be_visible()
    expect(panel).to_contain_text("FIN-2014-A008")

    panel.get_by_label("Observed by").select_option(label="Law enforcement")
    panel.get_by_role("button", name="Filter").click()
    expect(panel).not_to_contain_text("Frequent payments to online escort services")

    panel.get_by_role("link", name="Suggest a red flag for this stage").click()
    expect(page.get_by_label("A new red flag")).to_be_checked()
    expect(page.get_by_label("Stage where the new red flag shows")).to_have_value(re.compile(r"\d+"))
    page.get_by_label("Your suggestion").fill("Money orders bought with cash at several post offices on one day.")
    page.get_by_label("Evidence you can share").fill("Seen in two public indictments in 2024.")
    page.get_by_role("button", name="Send suggestion").click()

    expect(page.get_by_text("Knoble staff will review your suggestion")).to_be_visible()
    expect(page.get_by_text("Waiting for review")).to_be_visible()
    suggestion = Suggestion.objects.get(text__startswith="Money orders")
    assert suggestion.member == member
    assert suggestion.stage.name == "Exploitation"


MAP_GEOMETRY = """() => {
  const svg = document.querySelector("svg[data-map]");
  const box = (element) => { const r = element.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  return {
    scale: parseFloat(svg.dataset.scale),
    actors: Array.from(svg.querySelectorAll(".eco-actor rect")).map(box),
    labels: Array.from(svg.querySelectorAll(".eco-flow-label text")).map(box),
    fonts: Array.from(svg.querySelectorAll("text")).map((t) => parseFloat(getComputedStyle(t).fontSize)),
    names: Array.from(svg.querySelectorAll(".eco-actor")).map((a) => [
      a.getAttribute("aria-label"),
      a.querySelector(".eco-actor-name").textContent,
    ]),
  };
}"""


def overlap(a: list[float], b: list[float], slack: float = 0.5) -> bool:
    return a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and b[1] < a[3] - slack


def test_the_map_is_laid_out_readably_and_an_actors_flows_light_up_on_focus(page):
    staff_user()
    member = MemberFactory(user__email="analyst@northbridge.example")
    demo.seed()
    sign_in(page, member.user.email, PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("link", name="Ecosystem map").click()
    page.get_by_role("link", name="Illicit massage, health and beauty").click()
    expect(page.locator("svg[data-map]")).to_have_attribute("data-laid-out", "true")
    Path("var/screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path="var/screenshots/ecosystem-map-1280.png", full_page=True)

    geometry = page.evaluate(MAP_GEOMETRY)
    actors, labels = geometry["actors"], geometry["labels"]
    assert len(actors) >= 4
    for index, first in enumerate(actors):
        for second in actors[index + 1 :]:
            assert not overlap(first, second), "two actor boxes overlap"
        for label in labels:
            assert not overlap(first, label), "a flow label sits on an actor box"
    for index, first in enumerate(labels):
        for second in labels[index + 1 :]:
            assert not overlap(first, second), "two flow labels overlap"
    assert min(geometry["fonts"]) * geometry["scale"] >= 11.9  # labels at a readable size
    for label, text in geometry["names"]:
        assert " ".join(text.split()) in label  # the accessible name contains the box's text

    # Keyboard: focusing an actor highlights its flows and dims the rest.
    first_actor = page.locator(".eco-actor").first
    first_actor.focus()
    expect(page.locator("svg[data-map]")).to_have_class(re.compile("is-highlighting"))
    actor_id = first_actor.get_attribute("data-actor")
    highlighted = page.locator(".eco-flow.is-highlighted")
    assert highlighted.count() >= 1
    for flow in highlighted.all():
        assert actor_id in (flow.get_attribute("data-from"), flow.get_attribute("data-to"))
    first_actor.blur()
    expect(page.locator("svg[data-map]")).not_to_have_class(re.compile("is-highlighting"))

    # Zoom and pan with buttons.
    scale = float(page.locator("svg[data-map]").get_attribute("data-scale") or 0)
    page.get_by_role("button", name="Zoom in").click()
    assert float(page.locator("svg[data-map]").get_attribute("data-scale") or 0) > scale
    view = page.locator("svg[data-map]").get_attribute("viewBox")
    page.get_by_role("button", name="Right").click()
    assert page.locator("svg[data-map]").get_attribute("viewBox") != view


def test_without_javascript_the_server_drawn_map_stays(browser, live_server):
    staff_user()
    member = MemberFactory(user__email="analyst@northbridge.example")
    demo.seed()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, member.user.email, PASSWORD)
    page.goto("/ecosystem/")
    page.get_by_role("link", name="Illicit massage, health and beauty").click()
    expect(page.locator("svg[data-map] .eco-actor").first).to_be_visible()
    expect(page.get_by_role("button", name="Zoom in")).to_be_hidden()
    region = page.get_by_role("region", name=re.compile("^Map of Illicit massage"))
    region.focus()
    expect(region).to_be_focused()
    context.close()


def test_the_catalogue_groups_categories_by_state_and_ratings_start_unselected(page):
    staff_user()
    member = MemberFactory(user__email="analyst@northbridge.example")
    demo.seed()
    sign_in(page, member.user.email, PASSWORD)
    page.goto("/ecosystem/")
    headings = page.locator("main h2").all_inner_texts()
    assert headings[0].startswith("Mapped")
    assert any(heading.startswith("Not started") for heading in headings)
    page.get_by_role("link", name="Illicit massage, health and beauty").click()
    page.get_by_role("link", name=re.compile(r"^Stage 3: Exploitation")).click()
    rating = page.locator(".eco-rate-form select").first
    expect(rating).to_have_value("")
    expect(rating).to_have_attribute("required", "")
