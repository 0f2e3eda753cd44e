"""The member digest: one e-mail per member and period gathering what their inbox received (spaces, outcomes, the
roadmap), sent only to members who chose it, through the same guarantees as campaign mail (once per period by a
unique key, a lease on the row being sent, an unsubscribe link). See `campaigns.digests`."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.models import Member


class DigestFrequency(models.TextChoices):
    OFF = "off", _("Never")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly, on Mondays")


class DigestPreference(models.Model):
    """A member's choice. No row means "never": the digest is opt-in, so it is always a message the member chose
    (and the campaign contact budget does not apply to it)."""

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="digest_preference", verbose_name=_("member")
    )
    frequency = models.CharField(
        _("e-mail digest"), max_length=8, choices=DigestFrequency.choices, default=DigestFrequency.OFF
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name_plural = _("digest preferences")
        verbose_name = _("digest preference")
        constraints = [
            models.CheckConstraint(condition=Q(frequency__in=DigestFrequency.values), name="digest_frequency_valid")
        ]
        indexes = [
            models.Index(fields=["frequency"], condition=~Q(frequency="off"), name="digest_preference_on"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.frequency}"


class DigestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    EMPTY = "empty", _("Nothing to send")
    SKIPPED = "skipped", _("Not sent: digest turned off, no portal access or address undeliverable")


class DigestDelivery(models.Model):
    """One member's digest for one period: the unique key makes it once, however often the task runs; the claim
    time is the lease of the worker sending it (a worker killed mid-send leaves the row `sending`, and it is
    offered again only when the lease has expired, with the same Message-ID)."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="digest_deliveries", verbose_name=_("member")
    )
    frequency = models.CharField(max_length=8, choices=DigestFrequency.choices, verbose_name=_("frequency"))
    period_start = models.DateTimeField(verbose_name=_("period start"))
    period_end = models.DateTimeField(verbose_name=_("period end"))
    status = models.CharField(
        max_length=8, choices=DigestStatus.choices, default=DigestStatus.PENDING, verbose_name=_("status")
    )
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    items = models.PositiveIntegerField(default=0, verbose_name=_("items"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))

    class Meta:
        verbose_name = _("digest delivery")
        verbose_name_plural = _("digest deliveries")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "frequency", "period_start"], name="digest_once_per_member_and_period"
            ),
            models.CheckConstraint(condition=Q(status__in=DigestStatus.values), name="digest_status_valid"),
            models.CheckConstraint(condition=Q(period_start__lt=models.F("period_end")), name="digest_period_order"),
            models.CheckConstraint(
                condition=~Q(status=DigestStatus.SENT) | Q(sent_at__isnull=False), name="sent_digest_has_sent_at"
            ),
            models.CheckConstraint(
                condition=~Q(status=DigestStatus.SENDING) | Q(claimed_at__isnull=False),
                name="sending_digest_has_claim",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "claimed_at"], condition=Q(status="sending"), name="digest_in_flight"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.frequency} · {self.period_start:%Y-%m-%d}"
