from django.apps import AppConfig


class KnobleConfig(AppConfig):
    name = "knoble"
    verbose_name = "Knoble Portal"
