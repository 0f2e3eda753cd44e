"""Staff rate an opportunity, plan from priorities, publish, and a member sees the published roadmap."""

import pytest
from playwright.sync_api import expect

from roadmap.models import OpportunityStatus
from tests.e2e.test_membership import sign_in
from tests.members.factories import PASSWORD, MemberFactory, staff_user
from tests.roadmap.factories import CriterionFactory, OpportunityFactory, PrioritisationModelFactory, make_roadmap

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Red-flag library for illicit massage businesses"


def test_staff_rate_plan_and_publish_then_a_member_sees_the_roadmap(page, without_mfa_requirement):
    model = PrioritisationModelFactory(name="Knoble member value")
    CriterionFactory(model=model, name="Disruption of trafficking finance", scale_min=0, scale_max=10)
    roadmap = make_roadmap(title="The Knoble 18-month roadmap")
    opportunity = OpportunityFactory(title=TITLE, status=OpportunityStatus.SHORTLISTED, effort_weeks=8)
    staff = staff_user(email="strategy@knoble.example")
    member = MemberFactory(user__email="analyst@northbridge.example", user__first_name="Morgan")

    sign_in(page, staff.email, PASSWORD)
    page.goto(f"/admin/roadmap/opportunity/{opportunity.pk}/change/")
    row = page.locator("#ratings-group tbody tr.form-row").first
    row.locator(".select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("Disruption")
    page.locator(".select2-results__option", has_text="Disruption of trafficking finance").click()
    row.locator("input[name$='-value']").fill("8")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(f"/admin/roadmap/prioritisationmodel/{model.pk}/ranking/")
    expect(page.get_by_role("row").filter(has_text=TITLE)).to_contain_text("80.00")

    page.goto(f"/admin/roadmap/roadmap/{roadmap.pk}/plan/")
    page.get_by_label("Prioritisation model").select_option(label="Knoble member value")
    page.get_by_role("button", name="Propose a plan").click()
    expect(page.get_by_role("table", name="Proposed placements")).to_contain_text(TITLE)
    page.get_by_role("button", name="Accept this plan").click()
    expect(page.locator(".messagelist")).to_contain_text("Placed 1 item(s) on the roadmap.")
    expect(page.locator(".rm-bar")).to_have_count(1)

    page.goto(f"/admin/roadmap/roadmap/{roadmap.pk}/publish/")
    page.get_by_label("Note").fill("First public roadmap")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".messagelist")).to_contain_text("Published revision 1")
    page.get_by_role("button", name="Log out").click()

    sign_in(page, member.user.email, PASSWORD)
    page.get_by_role("link", name="Roadmap").click()
    expect(page.get_by_role("heading", name="Roadmap", exact=True)).to_be_visible()
    card = page.get_by_role("listitem").filter(has_text=TITLE)
    expect(card).to_contain_text("Planned")
    expect(page.get_by_text("First public roadmap")).to_be_visible()
    expect(page.get_by_text("Disruption of trafficking finance")).to_have_count(0)
