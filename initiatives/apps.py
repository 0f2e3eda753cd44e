from django.apps import AppConfig
from django.utils.translation import gettext as _


class InitiativesConfig(AppConfig):
    name = "initiatives"

    def ready(self) -> None:
        from initiatives.models import Initiative
        from members.activity_subjects import SubjectLink, activity_subject_register
        from translations.registry import register

        activity_subject_register(
            Initiative,
            describe=lambda initiative: SubjectLink(_("Initiative"), initiative.title, initiative.get_absolute_url()),
        )
        # Translated for members (translations): what the list and the page show. Drafts are not queued.
        register(Initiative, fields=("title", "summary", "description"), shown=lambda: Initiative.objects.visible())
