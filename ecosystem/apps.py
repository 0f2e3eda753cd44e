from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext as _


class EcosystemConfig(AppConfig):
    name = "ecosystem"

    def ready(self) -> None:
        from ecosystem.models import IndicatorSet, RedFlag, Suggestion
        from members.activity_subjects import SubjectLink, activity_subject_register
        from sharing.services import labelled_model_register

        # Deleting a labelled object removes its named recipients (no orphans in `sharing`).
        for model in (RedFlag, Suggestion, IndicatorSet):
            labelled_model_register(model)

        activity_subject_register(
            RedFlag,
            describe=lambda flag: SubjectLink(
                _("Red flag"), flag.indicator, reverse("ecosystem:red_flag", args=[flag.pk])
            ),
        )
        activity_subject_register(
            Suggestion,
            describe=lambda suggestion: SubjectLink(
                _("Suggestion"), suggestion.get_kind_display(), reverse("ecosystem:suggestion", args=[suggestion.pk])
            ),
        )
