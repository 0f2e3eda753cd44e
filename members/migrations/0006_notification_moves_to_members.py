"""The in-app inbox moves down from initiatives to members, so that any app may notify without importing initiatives.

The table keeps its name (`initiatives_notification`) and its rows: only Django's idea of which app owns the
model changes. The content type moves too, so that the permissions granted on it (and the admin log) follow.
"""

import django.db.models.deletion
from django.db import migrations, models


def content_type_to_members(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    if not content_types.objects.filter(app_label="members", model="notification").exists():
        content_types.objects.filter(app_label="initiatives", model="notification").update(app_label="members")


def content_type_to_initiatives(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    if not content_types.objects.filter(app_label="initiatives", model="notification").exists():
        content_types.objects.filter(app_label="members", model="notification").update(app_label="initiatives")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("members", "0005_redundant_foreign_key_indexes"),
        # The table was created by initiatives' migrations: they run first on a new database.
        ("initiatives", "0005_history_of_personas_stages_and_red_flags"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("promoted", "Promoted from the waitlist"),
                                    ("initiative_changed", "Initiative changed"),
                                    ("initiative_cancelled", "Initiative cancelled"),
                                    ("campaign_message", "Message from The Knoble"),
                                ],
                                max_length=32,
                            ),
                        ),
                        ("title", models.CharField(max_length=200)),
                        ("body", models.TextField(blank=True)),
                        ("url", models.CharField(blank=True, help_text="A path on this site.", max_length=500)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "member",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to="members.member",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "initiatives_notification",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["member", "-created_at"], name="notification_inbox"),
                            models.Index(
                                condition=models.Q(("read_at__isnull", True)),
                                fields=["member"],
                                name="notification_unread",
                            ),
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    (
                                        "kind__in",
                                        ["promoted", "initiative_changed", "initiative_cancelled", "campaign_message"],
                                    )
                                ),
                                name="notification_kind_valid",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("url", ""),
                                    models.Q(
                                        ("url__startswith", "/"), models.Q(("url__startswith", "//"), _negated=True)
                                    ),
                                    _connector="OR",
                                ),
                                name="notification_url_is_local",
                            ),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_type_to_members, content_type_to_initiatives),
    ]
