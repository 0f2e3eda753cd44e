"""Working-group spaces: where the members of an initiative work together.

One space per initiative (created on first use), with threads of posts, documents with their versions, the
notes of the initiative's sessions (`initiatives.InitiativeSession`, reused: its attendance stays there) and
action items. Who may enter a space is decided once, in `spaces.selectors`; every post, document and session
note also carries a TLP label, scoped through `sharing.selectors.scope` (the default, AMBER, names the space's
audience: a sharing group holding the organisations of the initiative's active participants).
"""

import secrets

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from initiatives.models import Initiative, InitiativeSession
from members.models import Member, User
from sharing.models import Label, SharingGroup, label_constraint, label_field
from sharing.selectors import Labelled

# How the labelled models of this app name their label, author and the author's organisation.
POST_SPEC = Labelled(author="author__user", owner_organisation="author__organisation")
DOCUMENT_SPEC = Labelled(author="uploaded_by__user", owner_organisation="uploaded_by__organisation")
NOTES_SPEC = Labelled(author="updated_by", owner_organisation=None)


def _not_blank(field: str) -> GreaterThan:
    return GreaterThan(Length(Trim(field)), 0)


def _not_blank_q(field: str) -> Q:
    return Q(_not_blank(field))


class Space(models.Model):
    """The working space of one initiative; its `audience` is the sharing group AMBER content names."""

    initiative = models.OneToOneField(
        Initiative, on_delete=models.CASCADE, related_name="space", verbose_name=_("initiative")
    )
    audience = models.OneToOneField(
        SharingGroup, on_delete=models.PROTECT, related_name="+", verbose_name=_("audience")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["initiative__title"]
        verbose_name = _("space")
        verbose_name_plural = _("spaces")

    def __str__(self) -> str:
        return str(self.initiative)

    def get_absolute_url(self) -> str:
        return reverse("spaces:space", kwargs={"slug": self.initiative.slug})


class Thread(models.Model):
    """A topic of discussion; its opening post is its first `Post`. A lead may pin or lock it."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="threads", verbose_name=_("space"))
    title = models.CharField(_("title"), max_length=200)
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", verbose_name=_("author"))
    # The thread's title is shown under the opening post's label.
    label = label_field(default=Label.AMBER)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    last_post_at = models.DateTimeField(default=timezone.now, verbose_name=_("last post at"))
    pinned = models.BooleanField(_("pinned"), default=False)
    locked = models.BooleanField(_("locked"), default=False)
    history = HistoricalRecords(excluded_fields=["last_post_at"])

    class Meta:
        ordering = ["-pinned", "-last_post_at", "-id"]
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        constraints = [
            label_constraint(name="space_thread_label_valid"),
            models.CheckConstraint(condition=_not_blank_q("title"), name="space_thread_has_title"),
        ]
        indexes = [models.Index(fields=["space", "-pinned", "-last_post_at"], name="space_thread_order")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("spaces:thread", kwargs={"slug": self.space.initiative.slug, "pk": self.pk})


class Post(models.Model):
    """An opening post or a reply, in Markdown (sanitised when shown). Edits are kept in its history; a hidden
    post stays, with who hid it and why, and is shown to staff and leads only."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts", verbose_name=_("thread"))
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", verbose_name=_("author"))
    body = models.TextField(_("text"), help_text=_("Markdown. Mention a participant with @ and their e-mail."))
    label = label_field(default=Label.AMBER)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    edited_at = models.DateTimeField(null=True, blank=True, verbose_name=_("edited at"))
    hidden_at = models.DateTimeField(null=True, blank=True, verbose_name=_("hidden at"))
    hidden_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("hidden by")
    )
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            label_constraint(name="space_post_label_valid"),
            models.CheckConstraint(condition=_not_blank_q("body"), name="space_post_has_body"),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True, hidden_by__isnull=True, hidden_reason="")
                | (Q(hidden_at__isnull=False, hidden_by__isnull=False) & _not_blank_q("hidden_reason")),
                name="space_post_hidden_with_reason",
            ),
        ]
        indexes = [models.Index(fields=["thread", "created_at"], name="space_post_thread_time")]

    def __str__(self) -> str:
        return f"{self.author} in {self.thread}"


class PostReport(models.Model):
    """A member's report of a post to the space's moderators (staff and the lead); resolved once."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports", verbose_name=_("post"))
    reporter = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", verbose_name=_("reporter"))
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    resolved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("resolved by")
    )

    class Meta:
        verbose_name_plural = _("post reports")
        ordering = ["created_at", "id"]
        verbose_name = _("post report")
        constraints = [
            models.CheckConstraint(condition=_not_blank_q("reason"), name="space_report_has_reason"),
            models.UniqueConstraint(
                fields=["post", "reporter"], condition=Q(resolved_at__isnull=True), name="space_report_open_once"
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_by__isnull=False), name="space_report_resolver"
            ),
        ]
        indexes = [models.Index(fields=["post"], condition=Q(resolved_at__isnull=True), name="space_report_open")]

    def __str__(self) -> str:
        return f"{self.reporter} reported {self.post_id}"


class ModerationKind(models.TextChoices):
    PIN = "pin", _("Pinned")
    UNPIN = "unpin", _("Unpinned")
    LOCK = "lock", _("Locked")
    UNLOCK = "unlock", _("Unlocked")
    HIDE = "hide", _("Hidden")
    UNHIDE = "unhide", _("Shown again")
    DISMISS = "dismiss", _("Report dismissed")


class ModerationAction(models.Model):
    """The append-only log of what moderators did, and why."""

    Kind = ModerationKind

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="+", verbose_name=_("space"))
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+", verbose_name=_("thread"))
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("post")
    )
    kind = models.CharField(max_length=16, choices=ModerationKind.choices, verbose_name=_("kind"))
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("moderator"))
    at = models.DateTimeField(default=timezone.now, verbose_name=_("when"))

    class Meta:
        verbose_name_plural = _("moderation actions")
        ordering = ["-at", "-id"]
        verbose_name = _("moderation action")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ModerationKind.values), name="space_moderation_kind_valid"),
            models.CheckConstraint(condition=_not_blank_q("reason"), name="space_moderation_has_reason"),
        ]

    def __str__(self) -> str:
        return _("%(action)s by %(moderator)s") % {"action": self.get_kind_display(), "moderator": self.by}


class FollowLevel(models.TextChoices):
    ALL = "all", _("Everything")
    MENTIONS = "mentions", _("Mentions of me only")
    NONE = "none", _("Nothing")


class Follow(models.Model):
    """What a member wants to hear of a space; without a row, mentions only."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="follows", verbose_name=_("space"))
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+", verbose_name=_("member"))
    level = models.CharField(_("notify me of"), max_length=16, choices=FollowLevel.choices)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(fields=["space", "member"], name="space_follow_once"),
            models.CheckConstraint(condition=Q(level__in=FollowLevel.values), name="space_follow_level_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.space}: {self.level}"


class Document(models.Model):
    """A shared document; its file is its latest `DocumentVersion`, the earlier ones are kept."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="documents", verbose_name=_("space"))
    title = models.CharField(_("title"), max_length=200)
    label = label_field(default=Label.AMBER)
    uploaded_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            label_constraint(name="space_document_label_valid"),
            models.CheckConstraint(condition=_not_blank_q("title"), name="space_document_has_title"),
        ]
        indexes = [models.Index(fields=["space", "-updated_at"], name="space_document_order")]

    def __str__(self) -> str:
        return self.title


def _version_path(instance: "DocumentVersion", filename: str) -> str:
    """Stored names are ours, never the uploader's: the space, the document and a random part."""
    return f"spaces/{instance.document.space_id}/{instance.document_id}/{secrets.token_hex(16)}"


class DocumentVersion(models.Model):
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="versions", verbose_name=_("document")
    )
    number = models.PositiveIntegerField(verbose_name=_("number"))
    file = models.FileField(upload_to=_version_path, max_length=300, verbose_name=_("file"))
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100, verbose_name=_("content type"))
    size = models.PositiveBigIntegerField(verbose_name=_("size"))
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256"))
    uploaded_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(default=timezone.now, verbose_name=_("uploaded at"))

    class Meta:
        verbose_name_plural = _("document versions")
        ordering = ["document", "-number"]
        verbose_name = _("document version")
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="space_document_version_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="space_document_version_positive"),
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="space_document_sha256_hex"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} (v{self.number})"


class SessionNotes(models.Model):
    """The agenda, notes and decisions of one of the initiative's sessions (attendance stays in initiatives)."""

    session = models.OneToOneField(
        InitiativeSession, on_delete=models.CASCADE, related_name="notes", verbose_name=_("session")
    )
    agenda = models.TextField(_("agenda"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    label = label_field(default=Label.AMBER)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("updated by"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("session notes")
        verbose_name_plural = _("session notes")
        constraints = [label_constraint(name="space_session_notes_label_valid")]

    def __str__(self) -> str:
        return str(self.session)


class ActionState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class ActionItem(models.Model):
    """Something a participant undertook to do, by a date; the worker reminds its owner once when overdue."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="action_items", verbose_name=_("space"))
    session = models.ForeignKey(
        InitiativeSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("session"),
    )
    title = models.CharField(_("what"), max_length=300)
    owner = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner"))
    due_on = models.DateField(_("due on"))
    state = models.CharField(_("state"), max_length=16, choices=ActionState.choices, default=ActionState.OPEN)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    reminded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reminded at"))
    history = HistoricalRecords(excluded_fields=["reminded_at"])

    class Meta:
        ordering = ["state", "due_on", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=ActionState.values), name="space_action_state_valid"),
            models.CheckConstraint(condition=_not_blank_q("title"), name="space_action_has_title"),
        ]
        indexes = [
            models.Index(
                fields=["due_on"],
                condition=Q(state="open", reminded_at__isnull=True),
                name="space_action_to_remind",
            )
        ]

    def __str__(self) -> str:
        return self.title
