from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class KnobleConfig(AppConfig):
    name = "knoble"
    verbose_name = gettext_lazy("Knoble Portal")
