"""The map of one trafficking category: its stages, actors and financial flows."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, gettext_lazy
from simple_history.models import HistoricalRecords


class CategoryStatus(models.TextChoices):
    MAPPED = "mapped", gettext_lazy("Mapped")
    IN_PROGRESS = "in_progress", gettext_lazy("Mapping in progress")
    NOT_STARTED = "not_started", gettext_lazy("Not started")


class TraffickingCategory(models.Model):
    """A type of human trafficking, e.g. one of the 25 of Polaris's typology; mapped one at a time."""

    name = models.CharField(max_length=200, unique=True, verbose_name=gettext_lazy("name"))
    slug = models.SlugField(max_length=200, unique=True, verbose_name=gettext_lazy("slug"))
    summary = models.TextField(blank=True, verbose_name=gettext_lazy("summary"))
    status = models.CharField(
        max_length=16,
        choices=CategoryStatus.choices,
        default=CategoryStatus.NOT_STARTED,
        db_index=True,
        verbose_name=gettext_lazy("status"),
    )
    order = models.PositiveIntegerField(
        default=0, help_text=gettext_lazy("Position in the catalogue."), verbose_name=gettext_lazy("order")
    )
    # When it last changed, for `?updated_since=` in the API (systems that sync the map).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, verbose_name=gettext_lazy("updated at"))
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = gettext_lazy("trafficking category")
        verbose_name_plural = gettext_lazy("trafficking categories")
        ordering = ["order", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CategoryStatus.values), name="category_status_valid"),
        ]

    def __str__(self) -> str:
        return self.name


def same_category(part: models.Model, category_id: int | None, fields: list[str]) -> dict[str, str]:
    """The fields of `part` that point to a part of another category's map, with the reason."""
    errors = {}
    for name in fields:
        related = getattr(part, name, None)
        if related is not None and category_id is not None and related.category_id != category_id:
            errors[name] = gettext("%(related)s belongs to %(category)s, not to this category.") % {
                "related": related,
                "category": related.category,
            }
    return errors


class Stage(models.Model):
    """A step of the trafficking business, from recruitment to the return of the proceeds; a column of the map."""

    category = models.ForeignKey(
        TraffickingCategory, on_delete=models.CASCADE, related_name="stages", verbose_name=gettext_lazy("category")
    )
    order = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("order"))
    name = models.CharField(max_length=100, verbose_name=gettext_lazy("name"))
    description = models.TextField(blank=True, verbose_name=gettext_lazy("description"))
    # When it last changed, for `?updated_since=` in the API (systems that sync the map).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, verbose_name=gettext_lazy("updated at"))
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = gettext_lazy("stage")
        verbose_name_plural = gettext_lazy("stages")
        ordering = ["category_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["category", "order"], name="stage_order_unique_in_category"),
            models.UniqueConstraint(fields=["category", "name"], name="stage_name_unique_in_category"),
            # The target of the composite foreign keys that keep actors, flows and flags in one category.
            models.UniqueConstraint(fields=["id", "category"], name="stage_id_category"),
        ]

    def __str__(self) -> str:
        return self.name


class ActorKind(models.TextChoices):
    ORGANISER = "organiser", gettext_lazy("Network organiser")
    RECRUITER = "recruiter", gettext_lazy("Recruiter or broker")
    TRANSPORTER = "transporter", gettext_lazy("Transporter")
    OPERATOR = "operator", gettext_lazy("Operator (manager on site)")
    VICTIM = "victim", gettext_lazy("Victim")
    BUYER = "buyer", gettext_lazy("Sex buyer")
    FRONT_BUSINESS = "front_business", gettext_lazy("Front business or nominee owner")
    LANDLORD = "landlord", gettext_lazy("Landlord or property owner")
    FACILITATOR = "facilitator", gettext_lazy("Facilitator (accountant, company formation)")
    ADVERTISER = "advertiser", gettext_lazy("Advertising or review website")
    PAYMENT_PROCESSOR = "payment_processor", gettext_lazy("Card payment processor or acquirer")
    BANK = "bank", gettext_lazy("Bank")
    MONEY_SERVICES = "money_services", gettext_lazy("Money-services business or cash courier")
    MONEY_MULE = "money_mule", gettext_lazy("Money mule")
    OTHER = "other", gettext_lazy("Other")


class Actor(models.Model):
    """A person, business or intermediary of the map, placed in the stage where it mostly acts."""

    category = models.ForeignKey(
        TraffickingCategory, on_delete=models.CASCADE, related_name="actors", verbose_name=gettext_lazy("category")
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="actors", verbose_name=gettext_lazy("stage")
    )
    name = models.CharField(max_length=100, verbose_name=gettext_lazy("name"))
    kind = models.CharField(max_length=32, choices=ActorKind.choices, db_index=True, verbose_name=gettext_lazy("kind"))
    description = models.TextField(blank=True, verbose_name=gettext_lazy("description"))
    # When it last changed, for `?updated_since=` in the API (systems that sync the map).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, verbose_name=gettext_lazy("updated at"))
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = gettext_lazy("actor")
        verbose_name_plural = gettext_lazy("actors")
        ordering = ["category_id", "stage__order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="actor_name_unique_in_category"),
            models.UniqueConstraint(fields=["id", "category"], name="actor_id_category"),
            models.CheckConstraint(condition=Q(kind__in=ActorKind.values), name="actor_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    def full_clean(self, *args: Any, **kwargs: Any) -> None:
        # A part placed in a stage belongs to that stage's category unless it says otherwise.
        if self.category_id is None and self.stage_id is not None:
            self.category_id = self.stage.category_id
        super().full_clean(*args, **kwargs)

    def clean(self) -> None:
        if errors := same_category(self, self.category_id, ["stage"]):
            raise ValidationError(errors)


class Instrument(models.TextChoices):
    CASH = "cash", gettext_lazy("Cash")
    CARD = "card", gettext_lazy("Card")
    WIRE = "wire", gettext_lazy("Wire transfer")
    MONEY_TRANSFER = "money_transfer", gettext_lazy("Money transfer")
    CRYPTO = "crypto", gettext_lazy("Virtual currency")
    OTHER = "other", gettext_lazy("Other")


class Direction(models.TextChoices):
    DOMESTIC = "domestic", gettext_lazy("Domestic")
    OUTBOUND = "outbound", gettext_lazy("Outbound (abroad)")
    INBOUND = "inbound", gettext_lazy("Inbound (from abroad)")


class FinancialFlow(models.Model):
    """Money moving from one actor to another: an arrow of the map."""

    category = models.ForeignKey(
        TraffickingCategory, on_delete=models.CASCADE, related_name="flows", verbose_name=gettext_lazy("category")
    )
    label = models.CharField(
        max_length=80,
        help_text=gettext_lazy("Short label drawn on the arrow, e.g. “Card takings”."),
        verbose_name=gettext_lazy("label"),
    )
    from_actor = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="flows_out", verbose_name=gettext_lazy("from actor")
    )
    to_actor = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="flows_in", verbose_name=gettext_lazy("to actor")
    )
    instrument = models.CharField(
        max_length=16, choices=Instrument.choices, db_index=True, verbose_name=gettext_lazy("instrument")
    )
    direction = models.CharField(
        max_length=16, choices=Direction.choices, default=Direction.DOMESTIC, verbose_name=gettext_lazy("direction")
    )
    typical_pattern = models.TextField(blank=True, verbose_name=gettext_lazy("typical pattern"))
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="flows", verbose_name=gettext_lazy("stage"))
    # When it last changed, for `?updated_since=` in the API (systems that sync the map).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, verbose_name=gettext_lazy("updated at"))
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = gettext_lazy("financial flow")
        verbose_name_plural = gettext_lazy("financial flows")
        ordering = ["category_id", "stage__order", "label"]
        constraints = [
            models.UniqueConstraint(fields=["category", "label"], name="flow_label_unique_in_category"),
            models.UniqueConstraint(fields=["id", "category"], name="flow_id_category"),
            models.CheckConstraint(condition=~Q(from_actor=F("to_actor")), name="flow_between_two_actors"),
            models.CheckConstraint(condition=Q(instrument__in=Instrument.values), name="flow_instrument_valid"),
            models.CheckConstraint(condition=Q(direction__in=Direction.values), name="flow_direction_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.from_actor} → {self.to_actor}"

    def full_clean(self, *args: Any, **kwargs: Any) -> None:
        if self.category_id is None and self.stage_id is not None:
            self.category_id = self.stage.category_id
        super().full_clean(*args, **kwargs)

    def clean(self) -> None:
        errors = same_category(self, self.category_id, ["from_actor", "to_actor", "stage"])
        if self.from_actor_id is not None and self.from_actor_id == self.to_actor_id:
            errors["to_actor"] = "A flow goes from one actor to another."
        if errors:
            raise ValidationError(errors)
