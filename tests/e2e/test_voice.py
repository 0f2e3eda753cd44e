"""The member's voice in a browser: a survey answered at a phone's width moves the job's score; an idea is submitted,
voted for by another member, taken into an opportunity and planned, and both members are told."""

import pytest
from django.db import connection
from playwright.sync_api import expect

from members.models import Notification
from personas.models import ScoreSource
from roadmap.models import Opportunity
from roadmap.services import roadmap_publish
from tests.e2e.test_membership import sign_in
from tests.members.factories import PASSWORD, MemberFactory, staff_user
from tests.personas.factories import JobFactory, PersonaFactory
from tests.roadmap.factories import make_roadmap, place
from voice.models import Idea, IdeaStatus, SurveyStatus
from voice.surveys import survey_create, survey_set_status

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_a_member_answers_a_survey_on_a_phone_and_staff_see_the_score_move(
    browser, live_server, without_mfa_requirement
):
    persona = PersonaFactory(name="Financial crime analyst")
    job = JobFactory(persona=persona, motivation="see the typology's red flags", importance=5, satisfaction=5)
    survey = survey_create(persona=persona, title="Your jobs this quarter", by=None)
    survey_set_status(survey=survey, status=SurveyStatus.OPEN, by=None)
    member = MemberFactory(persona=persona, user__email="analyst@northbridge.example")
    staff = staff_user(email="research@knoble.example")

    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, member.user.email, PASSWORD)
    page.goto(f"/voice/surveys/{survey.pk}/")
    expect(page.get_by_role("heading", name="Your jobs this quarter")).to_be_visible()
    # Nothing overflows sideways at 390 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    importance = page.get_by_role("group", name="How important is this to you?")
    importance.get_by_label("5", exact=True).check()
    satisfaction = page.get_by_role("group", name="How satisfied are you")
    satisfaction.get_by_label("2", exact=True).check()
    page.get_by_role("button", name="Save my answers").click()
    expect(page.locator(".messages")).to_contain_text("your answers are saved")
    context.close()

    job.refresh_from_db()
    assert job.score_source == ScoreSource.COMPUTED
    assert (float(job.importance), float(job.satisfaction)) == (10.0, 2.5)

    staff_page = browser.new_context(base_url=live_server.url).new_page()
    sign_in(staff_page, staff.email, PASSWORD)
    staff_page.goto(f"/voice/staff/jobs/{job.pk}/")
    expect(staff_page.get_by_text("Computed from member survey responses")).to_be_visible()
    expect(staff_page.locator("dd").nth(2)).to_contain_text("17.5")


def test_an_idea_is_submitted_voted_for_triaged_and_planned(browser, live_server, without_mfa_requirement):
    author = MemberFactory(user__email="author@northbridge.example")
    voter = MemberFactory(user__email="voter@harbour.example", organisation__sector="ngo")
    staff = staff_user(email="product@knoble.example")

    def new_page():
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(15_000)
        return context.new_page()

    page = new_page()
    sign_in(page, author.user.email, PASSWORD)
    page.get_by_role("link", name="Ideas").click()
    page.get_by_role("link", name="Submit an idea").click()
    page.get_by_label("Your idea, in a line").fill("A shared typology library")
    page.get_by_label("The problem it solves").fill("Every bank rebuilds the same red flags alone.")
    page.get_by_role("button", name="Submit the idea").click()
    expect(page.get_by_role("heading", name="A shared typology library")).to_be_visible()
    idea = Idea.objects.get(author=author)

    page = new_page()
    sign_in(page, voter.user.email, PASSWORD)
    page.goto(f"/voice/ideas/{idea.pk}/")
    page.get_by_label("How important is it to you?").select_option("critical")
    page.get_by_role("button", name="Vote for it").click()
    expect(page.get_by_role("heading", name="1 vote")).to_be_visible()

    page = new_page()
    sign_in(page, staff.email, PASSWORD)
    page.goto("/voice/staff/ideas/")
    page.get_by_role("link", name="A shared typology library").click()
    page.get_by_label("Take it into a new opportunity").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", name="By sector")).to_be_visible()
    expect(page.get_by_role("table").first).to_contain_text("NGO")

    idea.refresh_from_db()
    assert idea.status == IdeaStatus.TRIAGED
    roadmap = make_roadmap()
    place(roadmap, 1, 3, opportunity=Opportunity.objects.get(pk=idea.opportunity_id))
    roadmap_publish(roadmap=roadmap, by=staff)
    connection.close()

    # Both the author (who follows their idea) and the voter are told, once.
    assert sorted(Notification.objects.values_list("member_id", flat=True)) == sorted([author.pk, voter.pk])
    page = new_page()
    sign_in(page, author.user.email, PASSWORD)
    page.goto("/voice/ideas/mine/")
    expect(page.get_by_text("You asked, we planned:")).to_be_visible()
