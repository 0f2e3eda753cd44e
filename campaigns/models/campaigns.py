"""Segments, campaigns, their ordered steps and the one delivery per step and member."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.segments import validate_rules
from campaigns.validators import check_body
from ecosystem.models import RedFlag, ReviewState, Stage
from initiatives.models import Initiative
from members.models import Member


class Segment(models.Model):
    """A named set of rules over members (see `campaigns.segments` for the fields a rule may use)."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    rules = models.JSONField(
        default=list,
        blank=True,
        help_text=gettext_lazy(
            'A list of rules, all of which must hold, e.g. [{"field": "sector", "value": ["ngo"]}].'
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "engagement_segment"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        validate_rules(self.rules)


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("Draft")
    SCHEDULED = "scheduled", gettext_lazy("Scheduled")
    RUNNING = "running", gettext_lazy("Running")
    PAUSED = "paused", gettext_lazy("Paused")
    COMPLETED = "completed", gettext_lazy("Completed")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")


class Campaign(models.Model):
    Status = CampaignStatus

    name = models.CharField(max_length=200, unique=True)
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="campaigns")
    goal = models.ForeignKey(
        Initiative,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=gettext_lazy("Joining this initiative counts as the campaign's conversion."),
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    starts_at = models.DateTimeField(null=True, blank=True, help_text=gettext_lazy("Empty: as soon as it is launched."))
    enrol_late_joiners = models.BooleanField("enrol members who enter the segment later", default=False)
    track_opens = models.BooleanField(
        default=False,
        help_text=gettext_lazy("Adds an invisible image to e-mails to see who opens them. Off unless needed."),
    )
    allowed_link_hosts = models.TextField(
        blank=True,
        help_text=gettext_lazy(
            "Other web sites the messages may link to, one host name a line (e.g. www.fincen.gov). "
            "Links to this site are always allowed."
        ),
    )
    # Set by the first engine run after launch: members are enrolled once unless late joiners are wanted.
    enrolled_at = models.DateTimeField(null=True, blank=True, editable=False)
    launched_at = models.DateTimeField(null=True, blank=True, editable=False)
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "engagement_campaign"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CampaignStatus.values), name="campaign_status_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def link_hosts(self) -> set[str]:
        return {line.strip().lower() for line in self.allowed_link_hosts.splitlines() if line.strip()}


class Channel(models.TextChoices):
    EMAIL = "email", gettext_lazy("E-mail")
    IN_APP = "in_app", gettext_lazy("In-app")
    BOTH = "both", gettext_lazy("E-mail and in-app")


class StepCondition(models.TextChoices):
    ALWAYS = "always", gettext_lazy("Always")
    GOAL_NOT_REACHED = "goal_not_reached", gettext_lazy("Only if the goal is not reached yet")
    PREVIOUS_OPENED = "previous_opened", gettext_lazy("Only if the previous message was opened")
    PREVIOUS_NOT_OPENED = "previous_not_opened", gettext_lazy("Only if the previous message was not opened")
    PREVIOUS_CLICKED = "previous_clicked", gettext_lazy("Only if a link in the previous message was clicked")
    PREVIOUS_NOT_CLICKED = "previous_not_clicked", gettext_lazy("Only if no link in the previous message was clicked")


PREVIOUS_CONDITIONS = {
    StepCondition.PREVIOUS_OPENED,
    StepCondition.PREVIOUS_NOT_OPENED,
    StepCondition.PREVIOUS_CLICKED,
    StepCondition.PREVIOUS_NOT_CLICKED,
}


class CampaignStep(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(help_text=gettext_lazy("Steps run in this order, starting at 1."))
    delay = models.DurationField(
        default=timedelta(0),
        help_text=gettext_lazy("Wait after the previous step (or the start), e.g. 3 days, 0:00:00."),
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    subject = models.CharField(max_length=200)
    body = models.TextField(
        help_text=gettext_lazy(
            "Markdown. Placeholders: {name}, {organisation}, {goal} and {goal_link} (the goal initiative)."
        )
    )
    condition = models.CharField(max_length=32, choices=StepCondition.choices, default=StepCondition.ALWAYS)
    stages = models.ManyToManyField(
        Stage,
        blank=True,
        related_name="campaign_steps",
        help_text=gettext_lazy("Stages of an ecosystem map the message points to; it lists them as links."),
    )
    red_flags = models.ManyToManyField(
        RedFlag,
        blank=True,
        related_name="campaign_steps",
        limit_choices_to={"review_state": ReviewState.PUBLISHED},
        help_text=gettext_lazy("Published red flags the message points to; it lists them as links."),
    )

    class Meta:
        db_table = "engagement_campaignstep"
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "position"], name="campaign_step_position_unique"),
            models.CheckConstraint(condition=Q(position__gte=1), name="campaign_step_position_positive"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="campaign_step_channel_valid"),
            models.CheckConstraint(
                condition=Q(condition__in=StepCondition.values), name="campaign_step_condition_valid"
            ),
            models.CheckConstraint(condition=Q(delay__gte=timedelta(0)), name="campaign_step_delay_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · step {self.position}: {self.subject}"

    def clean(self) -> None:
        if self.position == 1 and self.condition in PREVIOUS_CONDITIONS:
            raise ValidationError({"condition": _("The first step has no previous message to look at.")})
        try:
            link_hosts = self.campaign.link_hosts  # the campaign as being edited, when saved with it
        except Campaign.DoesNotExist:
            link_hosts = set()
        check_body(self.body, link_hosts=link_hosts)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Pending")
    SENDING = "sending", gettext_lazy("Sending")
    DEFERRED = "deferred", gettext_lazy("Deferred")
    SENT = "sent", gettext_lazy("Sent")
    # Sent, then returned by the recipient's mail server (see campaigns.bounces).
    BOUNCED = "bounced", gettext_lazy("Bounced")
    SKIPPED = "skipped", gettext_lazy("Skipped")
    SUPPRESSED = "suppressed", gettext_lazy("Suppressed")
    FAILED = "failed", gettext_lazy("Failed")


FINAL_STATUSES = [
    DeliveryStatus.SENT,
    DeliveryStatus.BOUNCED,
    DeliveryStatus.SKIPPED,
    DeliveryStatus.SUPPRESSED,
    DeliveryStatus.FAILED,
]


class Delivery(models.Model):
    """Exactly one per step and member: the unique key is what makes every engine run repeatable."""

    Status = DeliveryStatus

    # No index of their own: the composite indexes and the unique key below lead with each of them, and every
    # index more is one more write for each message the engine marks sent.
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    step = models.ForeignKey(CampaignStep, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="campaign_deliveries", db_index=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    channel = models.CharField(
        max_length=16, choices=Channel.choices, blank=True, help_text=gettext_lazy("As delivered.")
    )
    due_at = models.DateTimeField()
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text=gettext_lazy("When a worker took it to send."))
    next_attempt_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When a message the mail server refused for now (4xx) is offered again."),
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text=gettext_lazy("When it reached its final status.")
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(
        max_length=500, blank=True, help_text=gettext_lazy("Why it failed, was deferred, skipped or suppressed.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "engagement_delivery"
        ordering = ["-due_at", "-id"]
        verbose_name_plural = gettext_lazy("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["step", "member"], name="delivery_once_per_step_and_member"),
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.SENT) | Q(sent_at__isnull=False), name="sent_delivery_has_sent_at"
            ),
            # The claim time is the lease: a worker marks a row only while it still carries the worker's claim.
            models.CheckConstraint(
                condition=Q(status=DeliveryStatus.SENDING, claimed_at__isnull=False)
                | (~Q(status=DeliveryStatus.SENDING) & Q(claimed_at__isnull=True)),
                name="claimed_while_sending_only",
            ),
            models.CheckConstraint(
                condition=Q(status=DeliveryStatus.DEFERRED, next_attempt_at__isnull=False)
                | (~Q(status=DeliveryStatus.DEFERRED) & Q(next_attempt_at__isnull=True)),
                name="next_attempt_while_deferred_only",
            ),
        ]
        indexes = [
            # The engine's two scans: what is due, and what a worker holds past its lease.
            models.Index(fields=["due_at"], condition=Q(status="pending"), name="delivery_due"),
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="delivery_sending"),
            models.Index(fields=["next_attempt_at"], condition=Q(status="deferred"), name="delivery_deferred_due"),
            # The next step follows the previous one's final rows; results group by step and status.
            models.Index(fields=["step", "status"], name="delivery_step_status"),
            models.Index(fields=["campaign", "status"], name="delivery_campaign_status"),
            # The contact budget counts a member's recent messages.
            models.Index(fields=["member", "sent_at"], name="delivery_member_sent"),
            # The delivery log (admin and API) lists newest first, often by status alone ("everything failed").
            models.Index(fields=["status", "-due_at", "-id"], name="delivery_log_by_status"),
        ]

    def __str__(self) -> str:
        return f"{self.step} → {self.member_id} ({self.status})"
