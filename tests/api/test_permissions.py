"""The permission matrix: every role × endpoint × method × own/other object → the expected status.

A row names the request and, for each role in ROLES order (anonymous, pending, member, leadership, staff),
the status it must get. "own" rows address the caller's own object, "other" rows somebody else's: an object
the caller may not see answers 404, never 403, so its existence does not leak.
"""

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from campaigns.models import CampaignStatus
from initiatives.models import InitiativeStatus
from members.services import record_activity
from roadmap.services import roadmap_publish
from tests.api.conftest import ROLES, make_caller
from tests.campaigns.factories import CampaignFactory, CampaignStepFactory, DeliveryFactory, SegmentFactory
from tests.initiatives.factories import InitiativeFactory, NotificationFactory
from tests.members.factories import MemberFactory
from tests.personas.factories import JobFactory, PersonaFactory
from tests.roadmap.factories import (
    CriterionFactory,
    IdeationSessionFactory,
    OpportunityFactory,
    PrioritisationModelFactory,
    make_roadmap,
    place,
)

pytestmark = pytest.mark.django_db
V = "/api/v1"


@dataclass
class Row:
    method: str
    path: str  # formatted with the world's ids: {persona}, {mine}, {theirs} …
    expected: tuple[int, int, int, int, int]
    body: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


READ = (401, 403, 200, 200, 200)
STUDIO_READ = (401, 403, 403, 200, 200)
STAFF_ONLY_READ = (401, 403, 403, 403, 200)
MINE = (401, 403, 200, 200, 200)
NOT_MINE = (401, 403, 404, 404, 404)
STAFF_SEES_ALL = (401, 403, 404, 404, 200)


def persona_body() -> dict[str, Any]:
    return {"name": f"Persona {uuid.uuid4().hex[:8]}", "sector": "ngo", "summary": "Runs a shelter"}


MATRIX = [
    # personas: members read active ones, staff manage
    Row("GET", "/personas/", READ),
    Row("GET", "/personas/{persona}/", READ),
    Row("GET", "/personas/{retired_persona}/", (401, 403, 404, 200, 200)),
    Row("POST", "/personas/", (401, 403, 403, 403, 201), persona_body()),
    Row("PATCH", "/personas/{persona}/", (401, 403, 403, 403, 200), {"quote": "Follow the money"}),
    Row("DELETE", "/personas/{spare_persona}/", (401, 403, 403, 403, 204)),
    # jobs, ideation, opportunities, models: leadership reads, staff manage
    Row("GET", "/jobs/", STUDIO_READ),
    Row("GET", "/jobs/{job}/", STUDIO_READ),
    Row("PATCH", "/jobs/{job}/", (401, 403, 403, 403, 200), {"satisfaction": "3.0"}),
    Row("GET", "/ideation-sessions/", STUDIO_READ),
    Row("DELETE", "/ideation-sessions/{session}/", (401, 403, 403, 403, 204)),
    Row("GET", "/opportunities/", STUDIO_READ),
    Row("GET", "/opportunities/{opportunity}/scores/", STUDIO_READ),
    Row("POST", "/opportunities/", (401, 403, 403, 403, 201), {"title": "Shared typology"}),
    Row("GET", "/prioritisation-models/", STUDIO_READ),
    Row("GET", "/prioritisation-models/{model}/ranking/", STUDIO_READ),
    Row("GET", "/prioritisation-models/{model}/compare/?with={model}", STUDIO_READ),
    Row("POST", "/prioritisation-models/", (401, 403, 403, 403, 201), {"name": "What if", "formula": "weighted"}),
    # roadmaps: members see published ones, staff create and publish
    Row("GET", "/roadmaps/", READ),
    Row("GET", "/roadmaps/{published_roadmap}/", READ),
    Row("GET", "/roadmaps/{draft_roadmap}/", (401, 403, 404, 200, 200)),
    Row("GET", "/roadmaps/{published_roadmap}/items/", READ),
    Row("GET", "/roadmaps/{published_roadmap}/revisions/", READ),
    Row("GET", "/roadmaps/{published_roadmap}/diff/?from=1&to=1", READ),
    Row("POST", "/roadmaps/{published_roadmap}/publish/", (401, 403, 403, 403, 201), {"note": "again"}),
    Row("POST", "/roadmaps/", (401, 403, 403, 403, 201), {"title": "2028", "first_month": "2028-01-01"}),
    # initiatives: members see all but drafts, join and leave; staff manage
    Row("GET", "/initiatives/", READ),
    Row("GET", "/initiatives/{initiative}/", READ),
    Row("GET", "/initiatives/{draft_initiative}/", (401, 403, 404, 404, 200)),
    # (rows run in order: before joining there is no participation to read or leave; staff have no member)
    Row("GET", "/initiatives/{initiative}/participation/", (401, 403, 404, 404, 404)),
    Row("POST", "/initiatives/{initiative}/leave/", (401, 403, 400, 400, 404)),
    Row("POST", "/initiatives/{initiative}/join/", (401, 403, 200, 200, 404)),
    Row("GET", "/initiatives/{initiative}/participation/?after=join", (401, 403, 200, 200, 404)),
    Row("POST", "/initiatives/{initiative}/leave/?after=join", (401, 403, 200, 200, 404)),
    Row("POST", "/initiatives/{draft_initiative}/join/", (401, 403, 404, 404, 404)),
    Row("PATCH", "/initiatives/{initiative}/", (401, 403, 403, 403, 200), {"location": "Lyon"}),
    # me: own profile, participations, notifications
    Row("GET", "/me/", (401, 403, 200, 200, 404)),
    Row("PATCH", "/me/", (401, 403, 200, 200, 404), {"job_title": "Analyst"}),
    Row("GET", "/me/participations/", MINE),
    Row("GET", "/me/notifications/", MINE),
    Row("GET", "/me/notifications/{my_notification}/", (401, 403, 200, 200, 404)),
    Row("GET", "/me/notifications/{their_notification}/", NOT_MINE),
    Row("POST", "/me/notifications/{their_notification}/read/", NOT_MINE),
    Row("POST", "/me/notifications/read-all/", MINE),
    # activity: one's own; staff read everyone's; batches need the permission
    Row("GET", "/activities/", MINE),
    Row("GET", "/activities/{my_activity}/", MINE),
    Row("GET", "/activities/{their_activity}/", STAFF_SEES_ALL),
    Row("POST", "/activities/batch/", (401, 403, 403, 403, 200), {"events": "{batch}"}),
    # the dashboard: leadership and staff read it
    Row("GET", "/dashboard/", STUDIO_READ),
    Row("POST", "/dashboard/", (401, 403, 403, 405, 405)),
    Row("GET", "/dashboard/impact/", STUDIO_READ),
    Row("POST", "/dashboard/impact/", (401, 403, 403, 405, 405)),
    # engagement: leadership reads segments, campaigns and deliveries; staff manage and run campaigns
    Row("GET", "/segments/", STUDIO_READ),
    Row("GET", "/segments/{segment}/", STUDIO_READ),
    Row("GET", "/segments/{segment}/preview/", STUDIO_READ),
    Row("POST", "/segments/preview/", (401, 403, 403, 403, 200), {"rules": []}),
    Row(
        "POST",
        "/segments/",
        (401, 403, 403, 403, 201),
        {"name": "NGOs", "rules": [{"field": "sector", "value": ["ngo"]}]},
    ),
    Row("PATCH", "/segments/{segment}/", (401, 403, 403, 403, 200), {"description": "Everyone"}),
    Row("DELETE", "/segments/{spare_segment}/", (401, 403, 403, 403, 204)),
    Row("GET", "/campaigns/", STUDIO_READ),
    Row("GET", "/campaigns/{campaign}/", STUDIO_READ),
    Row("GET", "/campaigns/{campaign}/results/", STUDIO_READ),
    Row("GET", "/campaigns/{campaign}/bounces/", STAFF_ONLY_READ),
    Row("POST", "/campaigns/", (401, 403, 403, 403, 201), {"name": "Welcome", "segment": "{segment}"}),
    Row("PATCH", "/campaigns/{campaign}/", (401, 403, 403, 403, 200), {"track_opens": True}),
    Row("DELETE", "/campaigns/{spare_campaign}/", (401, 403, 403, 403, 204)),
    Row("POST", "/campaigns/{campaign}/launch/", (401, 403, 403, 403, 200)),
    Row("POST", "/campaigns/{running_campaign}/pause/", (401, 403, 403, 403, 200)),
    Row("POST", "/campaigns/{running_campaign}/resume/", (401, 403, 403, 403, 200)),
    Row("POST", "/campaigns/{running_campaign}/cancel/", (401, 403, 403, 403, 200)),
    Row("POST", "/campaigns/{running_campaign}/launch/?after=cancel", (401, 403, 403, 403, 409)),
    Row("GET", "/deliveries/", STUDIO_READ),
    Row("GET", "/deliveries/{delivery}/", STUDIO_READ),
    Row("POST", "/deliveries/", (401, 403, 403, 403, 405), {}),
]


def build_world(caller):
    """The objects the matrix addresses; "my_*" belong to the caller (or to nobody, for callers without one)."""
    other = MemberFactory()
    roadmap = make_roadmap(title="Published")
    place(roadmap, 1, 2)
    roadmap_publish(roadmap=roadmap, by=None)
    model = PrioritisationModelFactory()
    CriterionFactory(model=model)
    mine = caller.member or other
    step = CampaignStepFactory()
    running = CampaignStepFactory(
        campaign=CampaignFactory(status=CampaignStatus.RUNNING, starts_at=timezone.now())
    ).campaign
    return {
        "segment": SegmentFactory().pk,
        "spare_segment": SegmentFactory().pk,
        "campaign": step.campaign.pk,
        "running_campaign": running.pk,
        "spare_campaign": CampaignFactory().pk,
        "delivery": DeliveryFactory(step=step, member=other).pk,
        "persona": PersonaFactory().pk,
        "retired_persona": PersonaFactory(is_active=False).pk,
        "spare_persona": PersonaFactory().pk,
        "job": JobFactory().pk,
        "session": IdeationSessionFactory().pk,
        "opportunity": OpportunityFactory().pk,
        "model": model.pk,
        "published_roadmap": roadmap.pk,
        "draft_roadmap": make_roadmap(title="Draft").pk,
        "initiative": InitiativeFactory().slug,
        "draft_initiative": InitiativeFactory(status=InitiativeStatus.DRAFT).slug,
        "my_notification": NotificationFactory(member=mine).pk,
        "their_notification": NotificationFactory(member=other).pk,
        "my_activity": record_activity(member=mine, verb="logged_in").pk,
        "their_activity": record_activity(member=other, verb="logged_in").pk,
        "batch": [
            {
                "client_id": str(uuid.uuid4()),
                "member": other.pk,
                "verb": "resource_viewed",
                "occurred_at": timezone.now().isoformat(),
            }
        ],
    }


def _placeholder(value: Any, world: dict[str, Any]) -> bool:
    return isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in world


def send(caller, row: Row, world: dict[str, Any]) -> int:
    path = V + row.path.format(**world)
    body = row.body
    if body is not None:
        # A value "{name}" stands for the world's object of that name (ids exist only once the world is built).
        body = {key: world[value[1:-1]] if _placeholder(value, world) else value for key, value in body.items()}
    response = getattr(caller.client, row.method.lower())(path, body, format="json")
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role):
    caller = make_caller(role)
    world = build_world(caller)
    index = ROLES.index(role)
    actual = {row.id: send(caller, row, world) for row in MATRIX}
    expected = {row.id: row.expected[index] for row in MATRIX}
    assert actual == expected
