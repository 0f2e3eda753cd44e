"""E-mail consent becomes opt-in, with an append-only history of when, how and on what wording it changed.

Existing members keep the consent they have, but their history starts with one row marked "unrecorded": nobody
knows when or how that consent was given, so staff can ask again (the campaign segment "consent unrecorded").
The history is append-only in the database, as the activity log is: a trigger refuses updates (and deletes on
PostgreSQL; SQLite's table flush between tests is a row-by-row DELETE).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

SQLITE_FORWARD = """
CREATE TRIGGER email_consent_append_only BEFORE UPDATE ON members_emailconsent
BEGIN SELECT RAISE(ABORT, 'e-mail consent history is append-only'); END;
"""
POSTGRES_FORWARD = """
CREATE FUNCTION members_emailconsent_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'e-mail consent history is append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER email_consent_append_only BEFORE UPDATE OR DELETE ON members_emailconsent
FOR EACH ROW EXECUTE FUNCTION members_emailconsent_append_only();
"""


def add_trigger(apps, schema_editor):
    sql = POSTGRES_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    schema_editor.execute(sql)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER email_consent_append_only ON members_emailconsent;")
        schema_editor.execute("DROP FUNCTION members_emailconsent_append_only();")
    else:
        schema_editor.execute("DROP TRIGGER email_consent_append_only;")


def mark_existing_consent_unrecorded(apps, schema_editor):
    members = apps.get_model("members", "Member")
    consents = apps.get_model("members", "EmailConsent")
    rows = members.objects.values_list("pk", "consent_email").iterator(chunk_size=2000)
    batch = []
    for member_id, given in rows:
        batch.append(consents(member_id=member_id, given=given, how="unrecorded"))
        if len(batch) == 2000:
            consents.objects.bulk_create(batch)
            batch = []
    consents.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0007_activity_origin"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalmember",
            name="consent_email",
            field=models.BooleanField(default=False, verbose_name="E-mail consent"),
        ),
        migrations.AlterField(
            model_name="member",
            name="consent_email",
            field=models.BooleanField(default=False, verbose_name="E-mail consent"),
        ),
        migrations.CreateModel(
            name="EmailConsent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("given", models.BooleanField(verbose_name="consent given")),
                (
                    "how",
                    models.CharField(
                        choices=[
                            ("sign_up", "At sign-up"),
                            ("profile", "On the profile"),
                            ("unsubscribe_link", "Through an e-mail's unsubscribe link"),
                            ("staff", "By staff, at the member's request"),
                            ("unrecorded", "Unrecorded: set before consent was recorded"),
                        ],
                        max_length=32,
                        verbose_name="how",
                    ),
                ),
                ("wording", models.TextField(blank=True, verbose_name="wording shown")),
                ("wording_version", models.CharField(blank=True, max_length=32, verbose_name="wording version")),
                ("reason", models.TextField(blank=True, verbose_name="reason")),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="recorded at")),
                (
                    "by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="email_consents",
                        to="members.member",
                    ),
                ),
            ],
            options={
                "verbose_name": "e-mail consent record",
                "ordering": ["-recorded_at", "-id"],
                "indexes": [models.Index(fields=["member", "-recorded_at"], name="email_consent_member_time")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("how__in", ["sign_up", "profile", "unsubscribe_link", "staff", "unrecorded"])
                        ),
                        name="email_consent_how_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("how", "staff"), _negated=True),
                            models.Q(("by__isnull", False), models.Q(("reason", ""), _negated=True)),
                            _connector="OR",
                        ),
                        name="email_consent_staff_has_author_and_reason",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("how", "unrecorded"), models.Q(("wording", ""), _negated=True), _connector="OR"
                        ),
                        name="email_consent_recorded_has_wording",
                    ),
                ],
            },
        ),
        migrations.RunPython(mark_existing_consent_unrecorded, migrations.RunPython.noop),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
