"""Every page members, leadership and staff use, on the demo data: axe-core finds no serious or critical
violation, and no member page scrolls sideways at 390 px. Screenshots at 1280 and 390 px go to
var/screenshots/ (CI keeps them as artefacts).

Add a page by adding its path to the list of the role that uses it. The leadership dashboards and the
ecosystem map and catalogue are checked by their own tests (they use the helpers in tests/e2e/a11y.py).
"""

from collections.abc import Callable

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.e2e.a11y import PHONE, WIDE, describe, horizontal_overflow, screenshot, serious_violations
from tests.e2e.test_membership import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _red_flag() -> str:
    from ecosystem.models import RedFlag

    return f"/ecosystem/red-flags/{RedFlag.objects.order_by('pk').values_list('pk', flat=True).first()}/"


def _roadmap(suffix: str) -> Callable[[], str]:
    def path() -> str:
        from roadmap.models import Roadmap

        return f"/admin/roadmap/roadmap/{Roadmap.objects.order_by('pk').values_list('pk', flat=True).first()}/{suffix}"

    return path


def _pending_member() -> str:
    from members.models import Member

    pk = Member.objects.filter(status=Member.Status.PENDING).order_by("pk").values_list("pk", flat=True).first()
    return f"/admin/members/member/{pk}/change/"


def _first(model_path: str, url: Callable[[int], str], **filters) -> Callable[[], str]:
    """The page of the demo's first row of a model (spaces, voice and outcomes pages name rows by id)."""

    def path() -> str:
        from django.apps import apps

        pk = apps.get_model(model_path).objects.filter(**filters).order_by("pk").values_list("pk", flat=True).first()
        return url(pk)

    return path


def _demo_thread() -> str:
    from spaces.models import Thread

    thread = Thread.objects.filter(label="green").order_by("pk").select_related("space__initiative").first()
    assert thread is not None, "the demo has a GREEN thread"
    return thread.get_absolute_url()


Page = str | Callable[[], str]

VISITOR_PAGES: list[Page] = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/password/reset/key/zz-bad-key/",
    "/accounts/confirm-email/",
    "/accounts/confirm-email/not-a-key/",
]

MEMBER_PAGES: list[Page] = [
    "/",
    "/initiatives/",
    "/initiatives/imb-red-flag-working-group/",
    "/roadmap/",
    "/ecosystem/red-flags/",
    _red_flag,
    "/ecosystem/suggest/",
    "/ecosystem/suggestions/",
    "/ecosystem/compare/?a=illicit-massage-businesses&b=escort-services",
    "/notifications/",
    "/activity/",
    "/profile/",
    "/profile/api-tokens/",
    "/directory/",
    "/directory/my-entry/",
    "/directory/introductions/",
    "/directory/invitations/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",  # asks the member to confirm it is them first
    "/accounts/reauthenticate/",
    "/accounts/sessions/",
    "/accounts/logout/",  # the confirmation page: GET does not sign out
    "/spaces/",
    "/spaces/imb-red-flag-working-group/",
    _demo_thread,
    "/spaces/search/?q=review",
    "/voice/ideas/",
    "/voice/ideas/new/",
    "/voice/ideas/mine/",
    _first("voice.Idea", lambda pk: f"/voice/ideas/{pk}/"),
    "/voice/roadmap/",
    "/voice/surveys/",
    _first("voice.Survey", lambda pk: f"/voice/surveys/{pk}/"),
    "/outcomes/",
    "/outcomes/new/",
]

LEADERSHIP_PAGES: list[Page] = [
    "/accounts/email/",
    "/dashboards/impact/",
    "/dashboards/board-pack/",
]

STAFF_PAGES: list[Page] = [
    "/admin/",
    "/admin/members/member/",
    _pending_member,
    "/admin/members/organisation/",
    "/admin/initiatives/initiative/",
    "/admin/initiatives/participation/",
    "/admin/roadmap/opportunity/",
    "/admin/roadmap/prioritisationmodel/",
    "/admin/roadmap/roadmap/",
    _roadmap("change/"),
    _roadmap("timeline/"),
    "/admin/ecosystem/redflag/",
    "/admin/campaigns/campaign/",
    "/admin/campaigns/segment/",
    "/admin/engagement/memberengagement/",
    "/admin/personas/persona/",
    "/admin/personas/jobtobedone/",
    "/voice/staff/ideas/",
    _first("voice.Idea", lambda pk: f"/voice/staff/ideas/{pk}/"),
    _first("voice.Survey", lambda pk: f"/voice/staff/surveys/{pk}/"),
    _first("personas.JobToBeDone", lambda pk: f"/voice/staff/jobs/{pk}/"),
    "/voice/research/highlights/",
    "/spaces/reports/",
    "/outcomes/review/",
]


def _name(role: str, path: str) -> str:
    return f"{role}{path.rstrip('/').replace('/', '-') or '-home'}"


def _visit(page, role: str, pages: list[Page], found: dict[str, str], overflow: dict[str, int], phone: bool) -> None:
    for entry in pages:
        path = entry() if callable(entry) else entry
        page.set_viewport_size(WIDE)
        response = page.goto(path)
        assert response is not None, f"{role} {path}: no response"
        assert response.ok, f"{role} {path}: HTTP {response.status}"
        page.wait_for_load_state("load")
        if serious := serious_violations(page):
            found[f"{role} {path}"] = describe(serious, f"{role} {path}")
        screenshot(page, _name(role, path))
        if phone:
            page.set_viewport_size(PHONE)
            page.wait_for_timeout(50)
            if (extra := horizontal_overflow(page)) > 0:
                overflow[f"{role} {path}"] = extra
            screenshot(page, _name(role, path))


def test_every_page_passes_axe_and_member_pages_fit_a_phone(page, without_mfa_requirement):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=None)
    found: dict[str, str] = {}
    overflow: dict[str, int] = {}

    _visit(page, "visitor", VISITOR_PAGES, found, overflow, phone=True)
    for role, email, pages, phone in [
        ("member", "member@example.org", MEMBER_PAGES, True),
        ("leader", "leader@example.org", LEADERSHIP_PAGES, True),
        ("staff", "staff@example.org", STAFF_PAGES, False),
    ]:
        page.context.clear_cookies()
        page.set_viewport_size(WIDE)
        sign_in(page, email, settings.DEMO_PASSWORD)
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        _visit(page, role, pages, found, overflow, phone)

    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(found.values())
    assert not overflow, f"pages scroll sideways at 390 px (extra CSS px): {overflow}"
