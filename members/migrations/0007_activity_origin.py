"""Every activity says who caused it: the member, staff on their behalf, or the system.

Existing rows get the origin the rules of the day give (`members.models.origin_for`, frozen below): staff where
the row came through the admin and the verb allows staff, the system where the system wrote it, else the
verb's usual origin (messages sent and waitlist promotions: the system; approvals: staff).
"""

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# Frozen copy of `VERB_ORIGINS` as of this migration, the usual origin first.
VERB_ORIGINS = {
    "signed_up": ("member",),
    "approved": ("staff",),
    "rejected": ("staff",),
    "logged_in": ("member",),
    "profile_updated": ("member", "staff"),
    "onboarding_step": ("member",),
    "initiative_viewed": ("member",),
    "initiative_joined": ("member", "staff"),
    "initiative_waitlisted": ("member", "staff"),
    "initiative_promoted": ("system", "staff"),
    "initiative_left": ("member", "staff"),
    "message_sent": ("system",),
    "message_opened": ("member",),
    "link_clicked": ("member",),
    "unsubscribed": ("member",),
    "resource_viewed": ("member",),
    "red_flag_rated": ("member",),
    "red_flag_suggested": ("member",),
    "session_attended": ("member",),
}


def suspend_append_only(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """The rows get their origin by an UPDATE, which the append-only trigger refuses; SQLite's table rebuilds
    drop the trigger anyway."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE members_activity DISABLE TRIGGER activity_append_only")
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS activity_append_only")


def resume_append_only(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE members_activity ENABLE TRIGGER activity_append_only")
    else:
        schema_editor.execute(
            "CREATE TRIGGER IF NOT EXISTS activity_append_only BEFORE UPDATE ON members_activity "
            "BEGIN SELECT RAISE(ABORT, 'activity is append-only'); END;"
        )


def infer_origins(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Set-based: one UPDATE per origin, every row starting as `member` (the field's default)."""
    activity = apps.get_model("members", "Activity")
    by_admin = [verb for verb, origins in VERB_ORIGINS.items() if "staff" in origins]
    by_system = [verb for verb, origins in VERB_ORIGINS.items() if "system" in origins]
    usually_staff = [verb for verb, origins in VERB_ORIGINS.items() if origins[0] == "staff"]
    usually_system = [verb for verb, origins in VERB_ORIGINS.items() if origins[0] == "system"]
    activity.objects.filter(verb__in=usually_system).update(origin="system")
    activity.objects.filter(verb__in=by_system, source="system").update(origin="system")
    activity.objects.filter(verb__in=usually_staff).update(origin="staff")
    activity.objects.filter(verb__in=by_admin, source="admin").update(origin="staff")
    if schema_editor.connection.vendor == "postgresql":
        # The updates queued the deferred foreign-key checks; PostgreSQL alters no table with checks pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("members", "0006_notification_moves_to_members"),
    ]

    operations = [
        migrations.RunPython(suspend_append_only, resume_append_only),
        migrations.RemoveConstraint(
            model_name="activity",
            name="activity_verb_valid",
        ),
        migrations.AddField(
            model_name="activity",
            name="origin",
            field=models.CharField(
                choices=[("member", "Member"), ("staff", "Staff"), ("system", "System")], default="member", max_length=8
            ),
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
                        ],
                    )
                ),
                name="activity_verb_valid",
            ),
        ),
        migrations.RunPython(infer_origins, migrations.RunPython.noop),
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
                    _connector="OR",
                ),
                name="activity_origin_allowed",
            ),
        ),
        migrations.RunPython(resume_append_only, suspend_append_only),
    ]
