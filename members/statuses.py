"""A member's status, apart from the models so that `members.access` (which the user model asks) can read it
without importing the models back."""

from django.db import models
from django.utils.translation import gettext_lazy


class MemberStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Pending approval")
    APPROVED = "approved", gettext_lazy("Approved")
    REJECTED = "rejected", gettext_lazy("Rejected")
    SUSPENDED = "suspended", gettext_lazy("Suspended")
    LEFT = "left", gettext_lazy("Left")
