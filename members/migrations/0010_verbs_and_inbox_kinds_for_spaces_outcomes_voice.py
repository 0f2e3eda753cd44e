"""The verbs of the apps that landed in issues 21, 22 and 24 (posting and uploading in a working-group space,
reporting a red flag's outcomes, submitting an idea, voting, answering a survey: each the member's own act) and
the inbox kinds they notify with.

SQLite rebuilds the activity table to change its CHECK constraints, which drops the append-only trigger:
it is dropped before and written again after (PostgreSQL alters the constraints in place and keeps it).
"""

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

SQLITE_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS activity_append_only BEFORE UPDATE ON members_activity "
    "BEGIN SELECT RAISE(ABORT, 'activity is append-only'); END;"
)


def drop_sqlite_trigger(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS activity_append_only")


def write_sqlite_trigger(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("members", "0009_organisation_admin"),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_trigger, write_sqlite_trigger),
        migrations.RemoveConstraint(
            model_name="activity",
            name="activity_verb_valid",
        ),
        migrations.RemoveConstraint(
            model_name="activity",
            name="activity_origin_allowed",
        ),
        migrations.RemoveConstraint(
            model_name="notification",
            name="notification_kind_valid",
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
                ],
                max_length=32,
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("promoted", "Promoted from the waitlist"),
                    ("initiative_changed", "Initiative changed"),
                    ("initiative_cancelled", "Initiative cancelled"),
                    ("campaign_message", "Message from The Knoble"),
                    ("space_activity", "In a working-group space"),
                    ("outcome_feedback", "Feedback on a red-flag outcome"),
                    ("roadmap_update", "A roadmap item or idea you follow changed"),
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
                    _connector="OR",
                ),
                name="activity_origin_allowed",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        [
                            "promoted",
                            "initiative_changed",
                            "initiative_cancelled",
                            "campaign_message",
                            "space_activity",
                            "outcome_feedback",
                            "roadmap_update",
                        ],
                    )
                ),
                name="notification_kind_valid",
            ),
        ),
        migrations.RunPython(write_sqlite_trigger, drop_sqlite_trigger),
    ]
