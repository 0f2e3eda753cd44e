"""Scores for the directory's verbs (members 0012): asking for an introduction, accepting one (a contribution),
inviting a colleague. Written into a verb table that already exists (a new database gets them with the defaults,
`engagement.scoring.DEFAULT_VERB_SCORES`)."""

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# Frozen copy of the defaults for these verbs: (points, daily cap, meaningful, contribution).
NEW_VERB_SCORES = {
    "introduction_requested": (1, 3, False, False),
    "introduction_accepted": (3, 3, True, True),
    "member_invited": (2, 3, True, False),
}


def add_verb_scores(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    verb_score = apps.get_model("engagement", "VerbScore")
    if not verb_score.objects.exists():
        return  # the defaults are written when the settings are first read
    for verb, (points, cap, meaningful, contribution) in NEW_VERB_SCORES.items():
        verb_score.objects.get_or_create(
            verb=verb,
            defaults={"points": points, "daily_cap": cap, "meaningful": meaningful, "contribution": contribution},
        )


def remove_verb_scores(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("engagement", "VerbScore").objects.filter(verb__in=NEW_VERB_SCORES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0012_verb_scores_for_spaces_outcomes_voice"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="verbscore",
            name="verb_score_verb_valid",
        ),
        migrations.AlterField(
            model_name="verbscore",
            name="verb",
            field=models.CharField(
                choices=[
                    ("signed_up", "Signed up"),
                    ("approved", "Approved"),
                    ("rejected", "Rejected"),
                    ("logged_in", "Logged in"),
                    ("profile_updated", "Profile updated"),
                    ("onboarding_step", "Onboarding step completed"),
                    ("initiative_viewed", "Initiative viewed"),
                    ("initiative_joined", "Initiative joined"),
                    ("initiative_waitlisted", "Waitlisted for an initiative"),
                    ("initiative_promoted", "Promoted from a waitlist"),
                    ("initiative_left", "Initiative left"),
                    ("message_sent", "Message sent"),
                    ("message_opened", "Message opened"),
                    ("link_clicked", "Link clicked"),
                    ("unsubscribed", "Unsubscribed"),
                    ("resource_viewed", "Resource viewed"),
                    ("red_flag_rated", "Red flag rated"),
                    ("red_flag_suggested", "Red flag suggested"),
                    ("session_attended", "Attended an initiative session"),
                    ("space_posted", "Posted in a working-group space"),
                    ("space_document_uploaded", "Uploaded a document to a working-group space"),
                    ("outcome_reported", "Reported a red flag's outcomes"),
                    ("idea_submitted", "Submitted an idea"),
                    ("idea_voted", "Voted for an idea or a roadmap item"),
                    ("survey_answered", "Answered a survey"),
                    ("introduction_requested", "Asked for an introduction"),
                    ("introduction_accepted", "Accepted an introduction"),
                    ("member_invited", "Invited a colleague or counterpart"),
                ],
                max_length=32,
                unique=True,
            ),
        ),
        migrations.AddConstraint(
            model_name="verbscore",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "verb__in",
                        [
                            "signed_up",
                            "approved",
                            "rejected",
                            "logged_in",
                            "profile_updated",
                            "onboarding_step",
                            "initiative_viewed",
                            "initiative_joined",
                            "initiative_waitlisted",
                            "initiative_promoted",
                            "initiative_left",
                            "message_sent",
                            "message_opened",
                            "link_clicked",
                            "unsubscribed",
                            "resource_viewed",
                            "red_flag_rated",
                            "red_flag_suggested",
                            "session_attended",
                            "space_posted",
                            "space_document_uploaded",
                            "outcome_reported",
                            "idea_submitted",
                            "idea_voted",
                            "survey_answered",
                            "introduction_requested",
                            "introduction_accepted",
                            "member_invited",
                        ],
                    )
                ),
                name="verb_score_verb_valid",
            ),
        ),
        migrations.RunPython(add_verb_scores, remove_verb_scores),
    ]
