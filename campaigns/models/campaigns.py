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

    name = models.CharField(max_length=200, unique=True, verbose_name=gettext_lazy("name"))
    description = models.TextField(blank=True, verbose_name=gettext_lazy("description"))
    rules = models.JSONField(
        default=list,
        blank=True,
        help_text=gettext_lazy(
            'A list of rules, all of which must hold, e.g. [{"field": "sector", "value": ["ngo"]}].'
        ),
        verbose_name=gettext_lazy("rules"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=gettext_lazy("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=gettext_lazy("updated at"))

    class Meta:
        verbose_name = gettext_lazy("segment")
        verbose_name_plural = gettext_lazy("segments")
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

    name = models.CharField(max_length=200, unique=True, verbose_name=gettext_lazy("name"))
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, related_name="campaigns", verbose_name=gettext_lazy("segment")
    )
    goal = models.ForeignKey(
        Initiative,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=gettext_lazy("Joining this initiative counts as the campaign's conversion."),
        verbose_name=gettext_lazy("goal"),
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True, verbose_name=gettext_lazy("status")
    )
    starts_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Empty: as soon as it is launched."),
        verbose_name=gettext_lazy("starts at"),
    )
    enrol_late_joiners = models.BooleanField(gettext_lazy("enrol members who enter the segment later"), default=False)
    track_opens = models.BooleanField(
        default=False,
        help_text=gettext_lazy("Adds an invisible image to e-mails to see who opens them. Off unless needed."),
        verbose_name=gettext_lazy("track opens"),
    )
    allowed_link_hosts = models.TextField(
        blank=True,
        help_text=gettext_lazy(
            "Other web sites the messages may link to, one host name a line (e.g. www.fincen.gov). "
            "Links to this site are always allowed."
        ),
        verbose_name=gettext_lazy("allowed link hosts"),
    )
    # Set by the first engine run after launch: members are enrolled once unless late joiners are wanted.
    enrolled_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=gettext_lazy("enrolled at"))
    launched_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=gettext_lazy("launched at"))
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=gettext_lazy("launched by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=gettext_lazy("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=gettext_lazy("updated at"))

    class Meta:
        verbose_name = gettext_lazy("campaign")
        verbose_name_plural = gettext_lazy("campaigns")
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
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="steps", verbose_name=gettext_lazy("campaign")
    )
    position = models.PositiveSmallIntegerField(
        help_text=gettext_lazy("Steps run in this order, starting at 1."), verbose_name=gettext_lazy("position")
    )
    delay = models.DurationField(
        default=timedelta(0),
        help_text=gettext_lazy("Wait after the previous step (or the start), e.g. 3 days, 0:00:00."),
        verbose_name=gettext_lazy("delay"),
    )
    channel = models.CharField(
        max_length=16, choices=Channel.choices, default=Channel.EMAIL, verbose_name=gettext_lazy("channel")
    )
    subject = models.CharField(max_length=200, verbose_name=gettext_lazy("subject"))
    body = models.TextField(
        help_text=gettext_lazy(
            "Markdown. Placeholders: {name}, {organisation}, {goal} and {goal_link} (the goal initiative)."
        ),
        verbose_name=gettext_lazy("body"),
    )
    condition = models.CharField(
        max_length=32,
        choices=StepCondition.choices,
        default=StepCondition.ALWAYS,
        verbose_name=gettext_lazy("condition"),
    )
    stages = models.ManyToManyField(
        Stage,
        blank=True,
        related_name="campaign_steps",
        help_text=gettext_lazy("Stages of an ecosystem map the message points to; it lists them as links."),
        verbose_name=gettext_lazy("stages"),
    )
    red_flags = models.ManyToManyField(
        RedFlag,
        blank=True,
        related_name="campaign_steps",
        limit_choices_to={"review_state": ReviewState.PUBLISHED},
        help_text=gettext_lazy("Published red flags the message points to; it lists them as links."),
        verbose_name=gettext_lazy("red flags"),
    )

    class Meta:
        verbose_name = gettext_lazy("campaign step")
        verbose_name_plural = gettext_lazy("campaign steps")
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
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
        verbose_name=gettext_lazy("campaign"),
    )
    step = models.ForeignKey(
        CampaignStep,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
        verbose_name=gettext_lazy("step"),
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        related_name="campaign_deliveries",
        db_index=False,
        verbose_name=gettext_lazy("member"),
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, verbose_name=gettext_lazy("status")
    )
    channel = models.CharField(
        max_length=16,
        choices=Channel.choices,
        blank=True,
        help_text=gettext_lazy("As delivered."),
        verbose_name=gettext_lazy("channel"),
    )
    due_at = models.DateTimeField(verbose_name=gettext_lazy("due at"))
    enqueued_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("enqueued at"))
    claimed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When a worker took it to send."),
        verbose_name=gettext_lazy("claimed at"),
    )
    next_attempt_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When a message the mail server refused for now (4xx) is offered again."),
        verbose_name=gettext_lazy("next attempt at"),
    )
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("sent at"))
    finished_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When it reached its final status."),
        verbose_name=gettext_lazy("finished at"),
    )
    opened_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("opened at"))
    clicked_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("clicked at"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=gettext_lazy("attempts"))
    last_error = models.CharField(
        max_length=500,
        blank=True,
        help_text=gettext_lazy("Why it failed, was deferred, skipped or suppressed."),
        verbose_name=gettext_lazy("last error"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=gettext_lazy("created at"))

    class Meta:
        verbose_name = gettext_lazy("delivery")
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
