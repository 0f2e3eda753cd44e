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

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="bounces", verbose_name=_("delivery"))
    kind = models.CharField(max_length=8, choices=BounceKind.choices, verbose_name=_("kind"))
    email = models.EmailField(
        help_text=_("The address the message was sent to, normalised (lower case)."), verbose_name=_("e-mail")
    )
    action = models.CharField(
        max_length=16, help_text=_("The notification's Action: failed or delayed."), verbose_name=_("action")
    )
    status = models.CharField(
        max_length=16, blank=True, help_text=_("The enhanced status code, e.g. 5.1.1."), verbose_name=_("status")
    )
    diagnostic = models.CharField(
        max_length=500, blank=True, help_text=_("The remote server's reply."), verbose_name=_("diagnostic")
    )
    message_key = models.CharField(
        max_length=255,
        unique=True,
        help_text=_("The notification's Message-ID, or a digest of it."),
        verbose_name=_("message key"),
    )
    received_at = models.DateTimeField(auto_now_add=True, verbose_name=_("received at"))

    class Meta:
        verbose_name = _("bounce")
        verbose_name_plural = _("bounces")
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
        return _("%(kind)s bounce of %(email)s (%(status)s)") % {
            "kind": self.get_kind_display(),
            "email": self.email,
            "status": self.status or self.action,
        }


class UndeliverableAddress(models.Model):
    """An address that hard-bounced or soft-bounced repeatedly: campaign messages go to the member's portal
    inbox instead, until staff clear the mark."""

    email = models.EmailField(unique=True, help_text=_("Normalised (lower case)."), verbose_name=_("e-mail"))
    reason = models.CharField(max_length=500, verbose_name=_("reason"))
    bounce = models.ForeignKey(
        Bounce, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("bounce")
    )
    marked_at = models.DateTimeField(verbose_name=_("marked at"))
    cleared_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cleared by staff: e-mail is tried again."), verbose_name=_("cleared at")
    )
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cleared by"),
    )

    class Meta:
        verbose_name = _("undeliverable address")
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
