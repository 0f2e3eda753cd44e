"""Need-to-know sharing: TLP 2.0 labels, sharing groups, 314(b) registrations, the named recipients of a
labelled object, and two append-only records (label changes and accesses).

The label itself is a field on the labelled model (`label_field()`), so that the scoping filter is a column
test; who else may see an object (organisations, groups, people) are `Recipient` rows here, keyed by content
type and id, so that a model of a higher app gains recipients without a table of its own (ADR 0008).
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models import Organisation


class Label(models.TextChoices):
    """TLP 2.0 (FIRST), from the widest audience to the narrowest."""

    CLEAR = "clear", _("TLP:CLEAR")
    GREEN = "green", _("TLP:GREEN")
    AMBER = "amber", _("TLP:AMBER")
    AMBER_STRICT = "amber_strict", _("TLP:AMBER+STRICT")
    RED = "red", _("TLP:RED")


# How narrow each label is: a change to a higher rank tightens, to a lower one loosens.
RANK = {label: rank for rank, label in enumerate(Label)}
# Labels whose every view and export is logged.
LOGGED = frozenset({Label.AMBER, Label.AMBER_STRICT, Label.RED})
# Labels every member who may use the portal sees: the only ones a message to many members may quote or link.
BROADCAST = frozenset({Label.CLEAR, Label.GREEN})

# TLP 2.0's sharing rule for each label, as the header and footer line of exports and printable pages say it.
RULES = {
    Label.CLEAR: _("Disclosure is not limited."),
    Label.GREEN: _("Limited disclosure: share within the member community, not publicly."),
    Label.AMBER: _(
        "Limited disclosure: share only within the named organisations and groups, on a need-to-know basis."
    ),
    Label.AMBER_STRICT: _("Limited disclosure: share only within the named organisations."),
    Label.RED: _("For the eyes and ears of the named recipients only."),
}


def tightest(labels: Iterable[str], *, default: Label = Label.CLEAR) -> Label:
    """The narrowest of `labels`: the label an export or printout of them all carries."""
    return max((Label(label) for label in labels), key=RANK.__getitem__, default=default)


def label_line(label: str) -> str:
    """ "TLP:AMBER · Limited disclosure: …": the header and footer line of an export or printable page."""
    return f"{Label(label).label} · {RULES[Label(label)]}"


def label_field(*, default: Label) -> models.CharField:
    """The label column of a labelled model; pair it with `label_constraint` in the model's Meta."""
    return models.CharField(_("label"), max_length=16, choices=Label.choices, default=default, db_index=True)


def label_constraint(*, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(label__in=Label.values), name=name)


class Channel(models.TextChoices):
    """Where an access happened."""

    PAGE = "page", _("Page")
    LIST = "list", _("List or search")
    API = "api", _("API")
    CSV = "csv", _("CSV export")
    PRINT = "print", _("Printable page")
    EMAIL = "email", _("E-mail")
    NOTIFICATION = "notification", _("Notification")
    FEED = "feed", _("Calendar feed")
    CAMPAIGN_LINK = "campaign_link", _("Campaign link")


class SharingGroup(models.Model):
    """A named set of organisations (e.g. "314(b) registered banks"), managed by staff, with an owner."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    requires_314b = models.BooleanField(
        _("requires 314(b) registration"),
        default=False,
        help_text=_("A member organisation counts only while its 314(b) registration is current."),
    )
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="sharing_groups", verbose_name=_("organisations")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    history = HistoricalRecords(m2m_fields=[organisations])

    class Meta:
        ordering = ["name"]
        verbose_name = _("sharing group")
        verbose_name_plural = _("sharing groups")
        permissions = [("see_labelled", "Can see everything labelled up to TLP:AMBER+STRICT")]

    def __str__(self) -> str:
        return self.name


class Registration314b(models.Model):
    """An organisation's FinCEN 314(b) registration; it counts until it expires (inclusive)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="registration_314b", verbose_name=_("organisation")
    )
    registered_on = models.DateField(_("registered on"))
    expires_on = models.DateField(_("expires on"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("314(b) registration")
        verbose_name_plural = _("314(b) registrations")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gte=models.F("registered_on")), name="registration_314b_expires_after_start"
            ),
        ]

    def __str__(self) -> str:
        return str(self.organisation)


class Recipient(models.Model):
    """One organisation, sharing group or person named on a labelled object."""

    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("content type")
    )
    object_id = models.PositiveBigIntegerField(verbose_name=_("object ID"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("organisation")
    )
    group = models.ForeignKey(
        SharingGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("group")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False, group__isnull=True, user__isnull=True)
                | Q(organisation__isnull=True, group__isnull=False, user__isnull=True)
                | Q(organisation__isnull=True, group__isnull=True, user__isnull=False),
                name="recipient_names_exactly_one",
            ),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "organisation", "group", "user"], name="recipient_unique"
            ),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="recipient_object")]

    def __str__(self) -> str:
        return str(self.organisation or self.group or self.user)


class LabelChange(models.Model):
    """The history of an object's label: who changed it, from what, to what, and why. Append-only."""

    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("content type")
    )
    object_id = models.PositiveBigIntegerField(verbose_name=_("object ID"))
    old_label = models.CharField(_("from"), max_length=16, choices=Label.choices)
    new_label = models.CharField(_("to"), max_length=16, choices=Label.choices)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("label change")
        verbose_name_plural = _("label changes")
        constraints = [
            models.CheckConstraint(condition=GreaterThan(Length(Trim("reason")), 0), name="label_change_has_reason"),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="label_change_object")]

    def __str__(self) -> str:
        return f"{self.get_old_label_display()} → {self.get_new_label_display()}"


class AccessLog(models.Model):
    """Every view and export of TLP:AMBER and tighter: who, what, when, through which channel. Append-only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("who")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owning organisation"),
        help_text=_("The organisation the object belongs to, whose admin may read its log."),
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("content type")
    )
    object_id = models.PositiveBigIntegerField(verbose_name=_("object ID"))
    label = models.CharField(_("label"), max_length=16, choices=Label.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        constraints = [
            models.CheckConstraint(condition=Q(label__in=Label.values), name="access_log_label_valid"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="access_log_channel_valid"),
        ]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"], name="access_log_object_time")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_channel_display()} · {self.at:%Y-%m-%d %H:%M}"


LABEL_LINE_PREFIX = "# TLP:"


def label_lines_strip(text: str) -> tuple[str, int]:
    """A labelled CSV export without its label lines (`# TLP:…` heads and ends it, outside the columns), so that
    an exported file imports again; with the number of lines removed before the first kept line, for an
    importer to report the file's own line numbers."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    leading = 0
    while leading < len(lines) and lines[leading].startswith(LABEL_LINE_PREFIX):
        leading += 1
    end = len(lines)
    while end > leading and (not lines[end - 1].strip() or lines[end - 1].startswith(LABEL_LINE_PREFIX)):
        end -= 1
    return "".join(lines[leading:end]), leading
