from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The kernel every app may use and none may be used by: API base, limits, error shape, guards."""

    name = "core"
    verbose_name = _("Core")
