"""What the voice does when a lower app tells it something (connected in `VoiceConfig.ready`)."""

from typing import Any

from voice.tasks import notify_revision


def revision_published(*, revision_id: int, **kwargs: Any) -> None:
    """`roadmap.signals.revision_published`, sent after the publication committed."""
    notify_revision.delay(revision_id)
