"""The member's voice: ideas, votes and follows, comments, and the ledger of roadmap notices."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from members.models import Member
from personas.models import JobToBeDone, Sector
from roadmap.models import Opportunity, RoadmapRevision


class IdeaStatus(models.TextChoices):
    OPEN = "open", _("Open")
    TRIAGED = "triaged", _("Taken into an opportunity")
    MERGED = "merged", _("Merged into another idea")
    DECLINED = "declined", _("Declined")


class Idea(models.Model):
    """A member's idea: the problem they have and which of their persona's jobs it serves."""

    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="ideas", verbose_name=_("author"))
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("the problem"))
    jobs = models.ManyToManyField(JobToBeDone, blank=True, related_name="ideas", verbose_name=_("jobs it serves"))
    status = models.CharField(
        max_length=16, choices=IdeaStatus.choices, default=IdeaStatus.OPEN, db_index=True, verbose_name=_("status")
    )
    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ideas",
        verbose_name=_("opportunity"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_ideas",
        verbose_name=_("merged into"),
    )
    # Staff only: members never see it.
    staff_note = models.TextField(_("staff note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=IdeaStatus.values), name="idea_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=IdeaStatus.MERGED) | Q(merged_into__isnull=False), name="merged_idea_has_target"
            ),
            models.CheckConstraint(
                condition=~Q(status=IdeaStatus.TRIAGED) | Q(opportunity__isnull=False),
                name="triaged_idea_has_opportunity",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("voice:idea", args=[self.pk])


class Importance(models.TextChoices):
    NICE = "nice", _("Nice to have")
    IMPORTANT = "important", _("Important")
    CRITICAL = "critical", _("Critical")


# Exactly one target: an idea, or an opportunity (what a roadmap item places, and what members vote for on it).
ONE_TARGET = (Q(idea__isnull=False) & Q(opportunity__isnull=True)) | (
    Q(idea__isnull=True) & Q(opportunity__isnull=False)
)


class Vote(models.Model):
    """One member's vote on an idea or on an opportunity (a roadmap item), with how important it is to them."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="votes", verbose_name=_("member"))
    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, null=True, blank=True, related_name="votes", verbose_name=_("idea")
    )
    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="member_votes",
        verbose_name=_("opportunity"),
    )
    importance = models.CharField(
        max_length=16, choices=Importance.choices, blank=True, default="", verbose_name=_("importance")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=ONE_TARGET, name="vote_one_target"),
            models.CheckConstraint(condition=Q(importance__in=["", *Importance.values]), name="vote_importance_valid"),
            models.UniqueConstraint(
                fields=["member", "idea"], condition=Q(idea__isnull=False), name="one_vote_per_idea"
            ),
            models.UniqueConstraint(
                fields=["member", "opportunity"],
                condition=Q(opportunity__isnull=False),
                name="one_vote_per_opportunity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.idea or self.opportunity}"


class Follow(models.Model):
    """A member who wants to hear when an idea or a roadmap item moves."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="follows", verbose_name=_("member"))
    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, null=True, blank=True, related_name="follows", verbose_name=_("idea")
    )
    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="member_follows",
        verbose_name=_("opportunity"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=ONE_TARGET, name="follow_one_target"),
            models.UniqueConstraint(
                fields=["member", "idea"], condition=Q(idea__isnull=False), name="one_follow_per_idea"
            ),
            models.UniqueConstraint(
                fields=["member", "opportunity"],
                condition=Q(opportunity__isnull=False),
                name="one_follow_per_opportunity",
            ),
        ]

    def __str__(self) -> str:
        return _("%(member)s follows %(what)s") % {"member": self.member, "what": self.idea or self.opportunity}


class Comment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments", verbose_name=_("idea"))
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="idea_comments", verbose_name=_("author"))
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author} on {self.idea}"


class RevisionNotice(models.Model):
    """That the voters and followers of a published revision's changes were told: one row per revision, so that
    every change reaches each of them exactly once, however often the notice runs."""

    revision = models.OneToOneField(
        RoadmapRevision, on_delete=models.CASCADE, related_name="+", verbose_name=_("revision")
    )
    notified = models.PositiveIntegerField(default=0, verbose_name=_("notified"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("revision notice")
        verbose_name_plural = _("revision notices")

    def __str__(self) -> str:
        return _("%(revision)s: %(notified)s notified") % {"revision": self.revision, "notified": self.notified}


class SurveyScale(models.IntegerChoices):
    ONE_TO_FIVE = 5, _("1 to 5")
    ZERO_TO_TEN = 10, _("0 to 10")


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Survey(models.Model):
    """A short survey on a persona's jobs: how important each is, how satisfied the member is today. Staff send its
    link through a campaign step to a segment; a re-run is a new survey on the same jobs."""

    persona = models.ForeignKey(
        "personas.Persona", on_delete=models.PROTECT, related_name="surveys", verbose_name=_("persona")
    )
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    scale = models.PositiveSmallIntegerField(_("scale"), choices=SurveyScale.choices, default=SurveyScale.ONE_TO_FIVE)
    jobs = models.ManyToManyField(JobToBeDone, related_name="surveys", verbose_name=_("jobs asked about"))
    status = models.CharField(
        max_length=8, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT, db_index=True, verbose_name=_("status")
    )
    opened_at = models.DateTimeField(null=True, blank=True, verbose_name=_("opened at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    rerun_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reruns", verbose_name=_("rerun of")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(scale__in=SurveyScale.values), name="survey_scale_valid"),
            models.CheckConstraint(condition=Q(status__in=SurveyStatus.values), name="survey_status_valid"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("voice:survey", args=[self.pk])

    @property
    def lowest(self) -> int:
        return 1 if self.scale == SurveyScale.ONE_TO_FIVE else 0


class SurveyResponse(models.Model):
    """One member's answers to one survey. Only its member and staff read it; the sector and persona are kept as
    they were when the member answered, for the breakdowns."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses", verbose_name=_("survey"))
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="survey_responses", verbose_name=_("member")
    )
    sector = models.CharField(max_length=32, blank=True, verbose_name=_("sector"))
    persona = models.ForeignKey(
        "personas.Persona",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("persona"),
    )
    submitted_at = models.DateTimeField(db_index=True, verbose_name=_("submitted at"))

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-submitted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["survey", "member"], name="one_response_per_member")]

    def __str__(self) -> str:
        return f"{self.survey}: response {self.pk}"


class SurveyAnswer(models.Model):
    """A job's importance and satisfaction on the survey's scale; either may be left out."""

    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="answers", verbose_name=_("response")
    )
    job = models.ForeignKey(JobToBeDone, on_delete=models.CASCADE, related_name="survey_answers", verbose_name=_("job"))
    importance = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("importance"))
    satisfaction = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("satisfaction"))

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "job"], name="one_answer_per_job"),
            models.CheckConstraint(condition=Q(importance__lte=10), name="answer_importance_0_10"),
            models.CheckConstraint(condition=Q(satisfaction__lte=10), name="answer_satisfaction_0_10"),
            models.CheckConstraint(
                condition=Q(importance__isnull=False) | Q(satisfaction__isnull=False), name="answer_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.importance}/{self.satisfaction}"


class StudyKind(models.TextChoices):
    INTERVIEWS = "interviews", _("Interview round")
    SURVEY = "survey", _("Survey")
    WORKSHOP = "workshop", _("Workshop")


class Study(models.Model):
    """A piece of research staff ran: an interview round, a survey or a workshop."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=StudyKind.choices, default=StudyKind.INTERVIEWS)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        verbose_name = _("study")
        verbose_name_plural = _("studies")
        ordering = ["-started_on", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=StudyKind.values), name="study_kind_valid"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")), name="study_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Participant(models.Model):
    """Someone a study heard: a member, or an outside expert recorded without a portal account. Their name stays with
    staff; everywhere else a participant is their sector."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="participants", verbose_name=_("study"))
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("member")
    )
    name = models.CharField(_("name (outside experts)"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation (outside experts)"), max_length=200, blank=True)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    consent_on = models.DateField(_("consent recorded on"), null=True, blank=True)
    consent_scope = models.CharField(
        _("what they agreed to"), max_length=300, blank=True, help_text=_("E.g. notes kept, quotes shown by sector.")
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["study", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(member__isnull=False) | ~Q(name=""), name="participant_identified"),
            models.CheckConstraint(condition=Q(sector__in=Sector.values), name="participant_sector_valid"),
            models.UniqueConstraint(
                fields=["study", "member"], condition=Q(member__isnull=False), name="member_once_per_study"
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(self.member)


class ResearchNote(models.Model):
    """Staff's notes of a session, in Markdown (rendered sanitised)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="notes", verbose_name=_("study"))
    participant = models.ForeignKey(
        Participant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notes",
        verbose_name=_("participant"),
    )
    held_on = models.DateField(_("held on"))
    body = models.TextField(_("notes (Markdown)"))
    written_by = models.ForeignKey(
        "members.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("written by")
    )

    class Meta:
        verbose_name = _("research note")
        verbose_name_plural = _("research notes")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.study} — {self.held_on:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("voice:research_note", args=[self.pk])


class Highlight(models.Model):
    """A passage of a note, tagged with what it is evidence for. It carries the participant's sector, never their
    name: the sector is copied when the highlight is saved, so that readers outside staff need no join to a name."""

    note = models.ForeignKey(ResearchNote, on_delete=models.CASCADE, related_name="highlights", verbose_name=_("note"))
    passage = models.TextField(_("passage"))
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices, blank=True)
    observed_on = models.DateField(_("observed on"), blank=True, help_text=_("Left empty: the date of the note."))
    jobs = models.ManyToManyField(JobToBeDone, blank=True, related_name="highlights", verbose_name=_("jobs"))
    personas = models.ManyToManyField(
        "personas.Persona", blank=True, related_name="highlights", verbose_name=_("personas")
    )
    opportunities = models.ManyToManyField(
        Opportunity, blank=True, related_name="highlights", verbose_name=_("opportunities")
    )
    red_flags = models.ManyToManyField(
        "ecosystem.RedFlag", blank=True, related_name="highlights", verbose_name=_("red flags")
    )

    class Meta:
        verbose_name = _("highlight")
        verbose_name_plural = _("highlights")
        ordering = ["-observed_on", "-id"]
        indexes = [models.Index(fields=["observed_on"], name="highlight_observed")]

    def __str__(self) -> str:
        return self.passage[:80]
