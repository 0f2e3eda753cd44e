from typing import Any

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"

    def ready(self) -> None:
        from engagement.signals import scores_recomputed

        scores_recomputed.connect(_refresh_rollups, dispatch_uid="analytics.rollups_after_scores")


def _refresh_rollups(**kwargs: Any) -> None:
    # The roll-ups count stages and scores: rebuilt as soon as the nightly run has rewritten them.
    from analytics.rollups import rollups_refresh

    rollups_refresh()
