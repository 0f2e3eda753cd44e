"""Members' suggestions of new red flags and of changes to published ones, and staff's decisions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from ecosystem.models.map import Stage, TraffickingCategory
from ecosystem.models.red_flags import RedFlag
from members.models import Member
from sharing.models import Label, label_constraint, label_field


class SuggestionKind(models.TextChoices):
    NEW = "new", gettext_lazy("A new red flag")
    CHANGE = "change", gettext_lazy("A change to a red flag")


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Waiting for review")
    ACCEPTED = "accepted", gettext_lazy("Accepted")
    REJECTED = "rejected", gettext_lazy("Not accepted")


class SuggestionQuerySet(models.QuerySet["Suggestion"]):
    def pending(self) -> "SuggestionQuerySet":
        return self.filter(status=SuggestionStatus.PENDING)


class Suggestion(models.Model):
    """A member's proposal of a new red flag (for a stage) or of a change to one; staff review it."""

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="red_flag_suggestions", verbose_name=gettext_lazy("member")
    )
    kind = models.CharField(max_length=8, choices=SuggestionKind.choices, verbose_name=gettext_lazy("kind"))
    stage = models.ForeignKey(
        Stage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestions",
        help_text=gettext_lazy("For a new flag."),
        verbose_name=gettext_lazy("stage"),
    )
    red_flag = models.ForeignKey(
        RedFlag,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestions",
        help_text=gettext_lazy("For a change."),
        verbose_name=gettext_lazy("red flag"),
    )
    text = models.TextField(gettext_lazy("suggested red flag or change"))
    evidence = models.TextField(
        blank=True,
        help_text=gettext_lazy("What the member could share: cases, typologies, sources."),
        verbose_name=gettext_lazy("evidence"),
    )
    status = models.CharField(
        max_length=16,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.PENDING,
        db_index=True,
        verbose_name=gettext_lazy("status"),
    )
    staff_response = models.TextField(blank=True, verbose_name=gettext_lazy("staff response"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("decided at"))
    resulting_red_flag = models.ForeignKey(
        RedFlag,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=gettext_lazy("The draft red flag created when a new-flag suggestion was accepted."),
        verbose_name=gettext_lazy("resulting red flag"),
    )
    outcome_emailed_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("outcome e-mailed at"))
    # A suggestion and its evidence stay with the author's organisation and staff unless someone widens it.
    label = label_field(default=Label.AMBER_STRICT)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=gettext_lazy("created at"))
    history = HistoricalRecords()

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("suggestion")
        verbose_name_plural = gettext_lazy("suggestions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SuggestionKind.values), name="suggestion_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=SuggestionStatus.values), name="suggestion_status_valid"),
            label_constraint(name="suggestion_label_valid"),
            models.CheckConstraint(
                condition=Q(kind=SuggestionKind.NEW, stage__isnull=False, red_flag__isnull=True)
                | Q(kind=SuggestionKind.CHANGE, stage__isnull=True, red_flag__isnull=False),
                name="suggestion_target_matches_kind",
            ),
            models.CheckConstraint(condition=GreaterThan(Length(Trim("text")), 0), name="suggestion_has_text"),
            models.CheckConstraint(
                condition=Q(status=SuggestionStatus.PENDING, decided_at__isnull=True)
                | (~Q(status=SuggestionStatus.PENDING) & Q(decided_at__isnull=False)),
                name="suggestion_decided_at_matches_status",
            ),
        ]
        indexes = [models.Index(fields=["member", "-created_at"], name="suggestion_member_time")]

    def __str__(self) -> str:
        return gettext_lazy("%(kind)s, suggested by %(member)s") % {
            "kind": self.get_kind_display(),
            "member": self.member,
        }

    @property
    def category(self) -> TraffickingCategory:
        return self.stage.category if self.stage_id else self.red_flag.category  # type: ignore[union-attr]
