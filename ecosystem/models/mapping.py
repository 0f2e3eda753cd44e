"""The mapping workflow of one category's map: its owner, contributors, state, expert panel, comments,
revisions, and the citations that tie its stages, actors and flows to a located, quoted passage of a source.

A map moves scoping → drafting → expert review → published → under revision → expert review …; the moves
allowed are `MAP_TRANSITIONS` (checked by `ecosystem.mapping.map_transition`); the database refuses a
published map whose panel has not signed off (`published_map_signed_off`). Each change is kept as a
`MapRevision` with a snapshot of the map, and the panel's comments and decisions point to the revision
they were made on.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext_lazy as _

from ecosystem.models.map import Actor, FinancialFlow, Stage, TraffickingCategory
from ecosystem.models.red_flags import RedFlag
from ecosystem.models.sources import Source
from members.models import Member
from personas.models import Sector


class MapState(models.TextChoices):
    SCOPING = "scoping", _("Scoping")
    DRAFTING = "drafting", _("Drafting")
    EXPERT_REVIEW = "expert_review", _("Expert review")
    PUBLISHED = "published", _("Published")
    UNDER_REVISION = "under_revision", _("Under revision")


MAP_TRANSITIONS: dict[str, frozenset[str]] = {
    MapState.SCOPING: frozenset({MapState.DRAFTING}),
    MapState.DRAFTING: frozenset({MapState.SCOPING, MapState.EXPERT_REVIEW}),
    MapState.EXPERT_REVIEW: frozenset({MapState.DRAFTING, MapState.PUBLISHED}),
    MapState.PUBLISHED: frozenset({MapState.UNDER_REVISION}),
    MapState.UNDER_REVISION: frozenset({MapState.EXPERT_REVIEW}),
}

# The panel must span at least this many sectors before a map can be published.
PANEL_MIN_SECTORS = 2


class CategoryMap(models.Model):
    """The mapping work on one category: who owns it and where it stands."""

    category = models.OneToOneField(
        TraffickingCategory, on_delete=models.CASCADE, related_name="mapping", verbose_name=_("category")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    state = models.CharField(
        max_length=16, choices=MapState.choices, default=MapState.SCOPING, db_index=True, verbose_name=_("state")
    )
    signed_off_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the whole panel had signed off the version under review."),
        verbose_name=_("signed off at"),
    )
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("category map")
        verbose_name_plural = _("category maps")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=MapState.values), name="category_map_state_valid"),
            models.CheckConstraint(
                condition=~Q(state=MapState.PUBLISHED) | Q(signed_off_at__isnull=False, published_at__isnull=False),
                name="published_map_signed_off",
            ),
        ]

    def __str__(self) -> str:
        return str(self.category)


class ContributorRole(models.TextChoices):
    STAFF = "staff", _("Staff")
    EXPERT = "expert", _("Invited expert member")


class MapContributor(models.Model):
    """A person who may edit the map: a staff member, or a member invited for their expertise."""

    map = models.ForeignKey(CategoryMap, on_delete=models.CASCADE, related_name="contributors", verbose_name=_("map"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    role = models.CharField(max_length=8, choices=ContributorRole.choices, verbose_name=_("role"))
    added_at = models.DateTimeField(auto_now_add=True, verbose_name=_("added at"))

    class Meta:
        verbose_name = _("map contributor")
        verbose_name_plural = _("map contributors")
        constraints = [
            models.UniqueConstraint(fields=["map", "user"], name="map_contributor_once"),
            models.CheckConstraint(condition=Q(role__in=ContributorRole.values), name="map_contributor_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class MapPanelist(models.Model):
    """A member of the map's review panel, with the sector of their organisation when they joined it."""

    map = models.ForeignKey(CategoryMap, on_delete=models.CASCADE, related_name="panel", verbose_name=_("map"))
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))
    sector = models.CharField(max_length=32, choices=Sector.choices, verbose_name=_("sector"))
    signed_off_at = models.DateTimeField(null=True, blank=True, verbose_name=_("signed off at"))
    signed_off_revision = models.ForeignKey(
        "MapRevision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed off revision"),
    )

    class Meta:
        verbose_name = _("map panelist")
        verbose_name_plural = _("map panelists")
        constraints = [
            models.UniqueConstraint(fields=["map", "member"], name="map_panelist_once"),
            models.CheckConstraint(condition=Q(sector__in=Sector.values), name="map_panelist_sector_valid"),
            models.CheckConstraint(
                condition=Q(signed_off_at__isnull=True, signed_off_revision__isnull=True)
                | Q(signed_off_at__isnull=False, signed_off_revision__isnull=False),
                name="map_panelist_sign_off_names_revision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} ({self.get_sector_display()})"


class RevisionKind(models.TextChoices):
    EDIT = "edit", _("Edit")
    UNDO = "undo", _("Undo")
    STATE = "state", _("State change")
    SIGN_OFF = "sign_off", _("Panel sign-off")


class MapRevision(models.Model):
    """One change to the map or its state, with the map as it stood after it (`snapshot`)."""

    map = models.ForeignKey(CategoryMap, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("map"))
    number = models.PositiveIntegerField(verbose_name=_("number"))
    kind = models.CharField(max_length=8, choices=RevisionKind.choices, verbose_name=_("kind"))
    state = models.CharField(max_length=16, choices=MapState.choices, verbose_name=_("state"))
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))
    snapshot = models.JSONField(verbose_name=_("snapshot"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("made by")
    )
    made_at = models.DateTimeField(auto_now_add=True, verbose_name=_("made at"))

    class Meta:
        verbose_name = _("map revision")
        verbose_name_plural = _("map revisions")
        ordering = ["map_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["map", "number"], name="map_revision_number_unique"),
            models.CheckConstraint(condition=Q(kind__in=RevisionKind.values), name="map_revision_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.map} #{self.number}"


class MapComment(models.Model):
    """A panelist's or contributor's comment on the map, or on one stage, actor, flow or red flag of it,
    kept with the revision it was made on."""

    map = models.ForeignKey(CategoryMap, on_delete=models.CASCADE, related_name="comments", verbose_name=_("map"))
    revision = models.ForeignKey(
        MapRevision, on_delete=models.PROTECT, related_name="comments", verbose_name=_("revision")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("stage")
    )
    actor = models.ForeignKey(
        Actor, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("actor")
    )
    flow = models.ForeignKey(
        FinancialFlow, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("flow")
    )
    red_flag = models.ForeignKey(
        RedFlag, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("red flag")
    )
    text = models.TextField(verbose_name=_("text"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("map comment")
        verbose_name_plural = _("map comments")
        ordering = ["map_id", "created_at"]
        constraints = [
            models.CheckConstraint(condition=GreaterThan(Length(Trim("text")), 0), name="map_comment_has_text"),
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"


class PartCitation(models.Model):
    """A stage's, actor's or flow's reference to one located, verbatim passage of a source."""

    stage = models.ForeignKey(
        Stage, on_delete=models.CASCADE, null=True, blank=True, related_name="citations", verbose_name=_("stage")
    )
    actor = models.ForeignKey(
        Actor, on_delete=models.CASCADE, null=True, blank=True, related_name="citations", verbose_name=_("actor")
    )
    flow = models.ForeignKey(
        FinancialFlow, on_delete=models.CASCADE, null=True, blank=True, related_name="citations", verbose_name=_("flow")
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="part_citations", verbose_name=_("source")
    )
    locator = models.CharField(max_length=200, help_text=_("Page, section or paragraph."), verbose_name=_("locator"))
    quote = models.TextField(help_text=_("The passage the part rests on, verbatim."), verbose_name=_("quote"))

    class Meta:
        verbose_name = _("part citation")
        verbose_name_plural = _("part citations")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__isnull=False, actor__isnull=True, flow__isnull=True)
                | Q(stage__isnull=True, actor__isnull=False, flow__isnull=True)
                | Q(stage__isnull=True, actor__isnull=True, flow__isnull=False),
                name="part_citation_one_part",
            ),
            models.CheckConstraint(
                condition=GreaterThan(Length(Trim("quote")), 0) & GreaterThan(Length(Trim("locator")), 0),
                name="part_citation_located_and_quoted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} — {self.locator}"
