from django.apps import AppConfig


class PersonasConfig(AppConfig):
    name = "personas"

    def ready(self) -> None:
        from personas.models import JobToBeDone, Persona
        from translations.registry import register

        # Translated for members (translations): the persona they choose on their profile and the jobs asked about.
        register(Persona, fields=("name", "summary"), shown=lambda: Persona.objects.filter(is_active=True))
        register(
            JobToBeDone,
            fields=("situation", "motivation", "outcome"),
            shown=lambda: JobToBeDone.objects.filter(persona__is_active=True),
        )
