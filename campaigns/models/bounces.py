"""Bounces read back from the bounce mailbox, and the addresses that no longer take e-mail."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from campaigns.models.campaigns import Delivery


class BounceKind(models.TextChoices):
    HARD = "hard", _("Hard (permanent)")
    SOFT = "soft", _("Soft (temporary)")


class Bounce(models.Model):
    """One delivery status notification about one campaign message; the same notification read twice (a
    mailbox that was not cleared before a crash) is recognised by its key and recorded once."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="bounces")
    kind = models.CharField(max_length=8, choices=BounceKind.choices)
    email = models.EmailField(help_text=_("The address the message was sent to, normalised (lower case)."))
    action = models.CharField(max_length=16, help_text=_("The notification's Action: failed or delayed."))
    status = models.CharField(max_length=16, blank=True, help_text=_("The enhanced status code, e.g. 5.1.1."))
    diagnostic = models.CharField(max_length=500, blank=True, help_text=_("The remote server's reply."))
    message_key = models.CharField(
        max_length=255, unique=True, help_text=_("The notification's Message-ID, or a digest of it.")
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "engagement_bounce"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(email=Lower("email")), name="bounce_email_normalised"),
        ]
        indexes = [
            # Counting an address's recent soft bounces.
            models.Index(fields=["email", "received_at"], name="bounce_email_received"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} bounce of {self.email} ({self.status or self.action})"


class UndeliverableAddress(models.Model):
    """An address that hard-bounced or soft-bounced repeatedly: campaign messages go to the member's portal
    inbox instead, until staff clear the mark."""

    email = models.EmailField(unique=True, help_text=_("Normalised (lower case)."))
    reason = models.CharField(max_length=500)
    bounce = models.ForeignKey(Bounce, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    marked_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True, help_text=_("Cleared by staff: e-mail is tried again."))
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "engagement_undeliverableaddress"
        ordering = ["-marked_at", "-id"]
        verbose_name_plural = _("undeliverable addresses")
        constraints = [
            models.CheckConstraint(condition=Q(email=Lower("email")), name="undeliverable_email_normalised"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def active(self) -> bool:
        return self.cleared_at is None
