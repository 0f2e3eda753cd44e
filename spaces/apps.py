from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpacesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "spaces"
    verbose_name = _("Working-group spaces")

    def ready(self) -> None:
        from initiatives.signals import place_given_up

        place_given_up.connect(_audience_after_leaving, dispatch_uid="spaces.audience_after_leaving")


def _audience_after_leaving(*, initiative_id: int, **_: Any) -> None:
    from spaces.services import space_audience_after_leaving

    space_audience_after_leaving(initiative_id=initiative_id)
