from typing import Protocol

from django.db.models import QuerySet

from core.permissions import DASHBOARD_PERMISSION, PERSONA_VIEW_PERMISSION
from personas.models import JobToBeDone, Persona


class Viewer(Protocol):
    """Whoever asks: a user or an anonymous visitor; scoping needs only their permissions."""

    def has_perm(self, perm: str, obj: None = None) -> bool: ...


# Leadership reads the research; members only pick an active persona for themselves.
RESEARCH_READERS = (DASHBOARD_PERMISSION, PERSONA_VIEW_PERMISSION)


def reads_research(user: Viewer) -> bool:
    return any(user.has_perm(name) for name in RESEARCH_READERS)


def personas_visible_to(user: Viewer) -> QuerySet[Persona]:
    personas = Persona.objects.all()
    return personas if reads_research(user) else personas.filter(is_active=True)


def jobs_visible_to(user: Viewer) -> QuerySet[JobToBeDone]:
    jobs = JobToBeDone.objects.with_opportunity_score().select_related("persona")
    return jobs if reads_research(user) else jobs.none()
