from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext as _


class EcosystemConfig(AppConfig):
    name = "ecosystem"

    def ready(self) -> None:
        from ecosystem.models import Actor, IndicatorSet, RedFlag, ReviewState, Stage, Suggestion
        from members.activity_subjects import SubjectLink, activity_subject_register
        from sharing.services import labelled_model_register
        from translations.registry import register

        # Translated for members (translations): a red flag's own words, never its sources' quotes, which stay
        # in their original language; the queue lists the published ones.
        register(RedFlag, fields=("indicator", "detail"), shown=lambda: RedFlag.objects.published())
        # The map's stage and actor names (their descriptions too); the map's templates show them with the
        # `translated` filter where they adopt it.
        register(Stage, fields=("name", "description"))
        register(Actor, fields=("name", "description"))
        register(
            IndicatorSet,
            fields=("name", "rationale"),
            shown=lambda: IndicatorSet.objects.filter(review_state=ReviewState.PUBLISHED),
        )
        # The library's filter choices are cached: a change to what they list forgets them.
        from django.db.models.signals import post_delete, post_save

        from ecosystem import filter_choices

        for watched in filter_choices.WATCHED:
            uid = f"library-choices-{watched.__name__}"
            post_save.connect(filter_choices.forget, sender=watched, dispatch_uid=f"{uid}-save")
            post_delete.connect(filter_choices.forget, sender=watched, dispatch_uid=f"{uid}-delete")
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
