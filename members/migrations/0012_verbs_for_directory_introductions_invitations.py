"""The directory's verbs: asking for an introduction, accepting one, inviting a colleague or counterpart.

SQLite rebuilds the activity table to change its CHECK constraints, which drops the append-only trigger: it is kept
across the rebuild (core.sqlite_triggers)."""

from django.db import migrations, models

from core.sqlite_triggers import kept_across_rebuild

SQLITE_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS activity_append_only BEFORE UPDATE ON members_activity "
    "BEGIN SELECT RAISE(ABORT, 'activity is append-only'); END;"
)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("members", "0011_member_language"),
    ]

    operations = kept_across_rebuild(
        trigger="activity_append_only",
        create_sql=SQLITE_TRIGGER,
        operations=[
            migrations.RemoveConstraint(
                model_name="activity",
                name="activity_verb_valid",
            ),
            migrations.RemoveConstraint(
                model_name="activity",
                name="activity_origin_allowed",
            ),
            migrations.AlterField(
                model_name="activity",
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
                ),
            ),
            migrations.AddConstraint(
                model_name="activity",
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
                    name="activity_verb_valid",
                ),
            ),
            migrations.AddConstraint(
                model_name="activity",
                constraint=models.CheckConstraint(
                    condition=models.Q(
                        models.Q(("origin__in", ["member"]), ("verb", "signed_up")),
                        models.Q(("origin__in", ["staff"]), ("verb", "approved")),
                        models.Q(("origin__in", ["staff"]), ("verb", "rejected")),
                        models.Q(("origin__in", ["member"]), ("verb", "logged_in")),
                        models.Q(("origin__in", ["member", "staff"]), ("verb", "profile_updated")),
                        models.Q(("origin__in", ["member"]), ("verb", "onboarding_step")),
                        models.Q(("origin__in", ["member"]), ("verb", "initiative_viewed")),
                        models.Q(("origin__in", ["member", "staff"]), ("verb", "initiative_joined")),
                        models.Q(("origin__in", ["member", "staff"]), ("verb", "initiative_waitlisted")),
                        models.Q(("origin__in", ["system", "staff"]), ("verb", "initiative_promoted")),
                        models.Q(("origin__in", ["member", "staff"]), ("verb", "initiative_left")),
                        models.Q(("origin__in", ["system"]), ("verb", "message_sent")),
                        models.Q(("origin__in", ["member"]), ("verb", "message_opened")),
                        models.Q(("origin__in", ["member"]), ("verb", "link_clicked")),
                        models.Q(("origin__in", ["member"]), ("verb", "unsubscribed")),
                        models.Q(("origin__in", ["member"]), ("verb", "resource_viewed")),
                        models.Q(("origin__in", ["member"]), ("verb", "red_flag_rated")),
                        models.Q(("origin__in", ["member"]), ("verb", "red_flag_suggested")),
                        models.Q(("origin__in", ["member"]), ("verb", "session_attended")),
                        models.Q(("origin__in", ["member"]), ("verb", "space_posted")),
                        models.Q(("origin__in", ["member"]), ("verb", "space_document_uploaded")),
                        models.Q(("origin__in", ["member"]), ("verb", "outcome_reported")),
                        models.Q(("origin__in", ["member"]), ("verb", "idea_submitted")),
                        models.Q(("origin__in", ["member"]), ("verb", "idea_voted")),
                        models.Q(("origin__in", ["member"]), ("verb", "survey_answered")),
                        models.Q(("origin__in", ["member"]), ("verb", "introduction_requested")),
                        models.Q(("origin__in", ["member"]), ("verb", "introduction_accepted")),
                        models.Q(("origin__in", ["member"]), ("verb", "member_invited")),
                        _connector="OR",
                    ),
                    name="activity_origin_allowed",
                ),
            ),
        ],
    )
