from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext as _


class CampaignsConfig(AppConfig):
    name = "campaigns"

    def ready(self) -> None:
        from campaigns.models import Campaign, CampaignStep
        from members.activity_subjects import SubjectLink, activity_subject_register
        from translations.registry import register

        # Each step's message in the member's language (translations); the queue lists every step.
        register(
            CampaignStep,
            fields=("subject", "body"),
            shown=lambda: CampaignStep.objects.order_by("campaign_id", "position"),
        )

        # A campaign's name is for staff; the member knows it as a message, about its goal when it has one.
        def describe(campaign: Campaign) -> SubjectLink:
            if campaign.goal is not None:
                return SubjectLink(_("Message about"), campaign.goal.title, campaign.goal.get_absolute_url())
            return SubjectLink(_("Message"), _("A message from The Knoble"), reverse("initiatives:notifications"))

        activity_subject_register(Campaign, describe=describe, queryset=lambda: Campaign.objects.select_related("goal"))
