"""What the voice does when a lower app tells it something (connected in `VoiceConfig.ready`)."""

from typing import Any

from django.contrib.auth.models import Group, Permission

from members.roles import STAFF_ROLE
from voice.tasks import notify_revision


def revision_published(*, revision_id: int, **kwargs: Any) -> None:
    """`roadmap.signals.revision_published`, sent after the publication committed."""
    notify_revision.delay(revision_id)


def grant_staff(**kwargs: Any) -> None:
    """Staff manage the voice like the apps in `members.roles.STAFF_APPS` (a list in members, which voice may not
    edit): after each migrate, the Staff role holds every permission of this app."""
    group = Group.objects.filter(name=STAFF_ROLE).first()
    if group is not None:
        group.permissions.add(*Permission.objects.filter(content_type__app_label="voice"))
