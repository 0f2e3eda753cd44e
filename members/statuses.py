"""A member's status, apart from the models so that `members.access` (which the user model asks) can read it
without importing the models back."""

from django.db import models


class MemberStatus(models.TextChoices):
    PENDING = "pending", "Pending approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SUSPENDED = "suspended", "Suspended"
    LEFT = "left", "Left"
