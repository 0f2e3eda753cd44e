from django.apps import AppConfig
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class VoiceConfig(AppConfig):
    name = "voice"
    verbose_name = gettext_lazy("Member voice")

    def ready(self) -> None:
        from members.activity_subjects import SubjectLink, activity_subject_register
        from roadmap.criterion_feeds import criterion_feed_register
        from roadmap.models import CriterionSource
        from roadmap.signals import revision_published
        from voice import receivers
        from voice.feeds import votes_feed
        from voice.models import Idea

        criterion_feed_register(CriterionSource.VOTES, votes_feed)
        revision_published.connect(receivers.revision_published, dispatch_uid="voice.notify_revision")
        activity_subject_register(
            Idea, describe=lambda idea: SubjectLink(_("Idea"), idea.title, idea.get_absolute_url())
        )
