"""Analytics takes over the roll-up models from engagement (see engagement 0010): state only, the `engagement_*`
tables and their rows stay as they are; the content types follow, and with them the permissions granted on them.
"""

import django.db.models.deletion
from django.db import migrations, models

MOVED = [
    "stageweekly",
    "periodactive",
    "joindaily",
    "cohortactivity",
    "organisationengagement",
    "initiativesectorcount",
    "campaignsteptotals",
    "rolluprefresh",
]


def content_types_from_engagement(apps, schema_editor):
    """Moves the content types, so that the permissions granted on them (and the admin log) follow the models."""
    content_types = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not content_types.objects.filter(app_label="analytics", model=model).exists():
            content_types.objects.filter(app_label="engagement", model=model).update(app_label="analytics")


def content_types_to_engagement(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not content_types.objects.filter(app_label="engagement", model=model).exists():
            content_types.objects.filter(app_label="analytics", model=model).update(app_label="engagement")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("engagement", "0010_campaigns_and_analytics_move_out"),
        ("campaigns", "0001_initial"),
        ("initiatives", "0006_notification_moves_to_members"),
        ("members", "0006_notification_moves_to_members"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CampaignStepTotals",
                    fields=[
                        (
                            "step",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="+",
                                serialize=False,
                                to="campaigns.campaignstep",
                            ),
                        ),
                        ("sent", models.PositiveIntegerField()),
                        ("deferred", models.PositiveIntegerField(default=0)),
                        ("bounced", models.PositiveIntegerField(default=0)),
                        ("failed", models.PositiveIntegerField(default=0)),
                        ("opened", models.PositiveIntegerField()),
                        ("clicked", models.PositiveIntegerField()),
                        ("converted", models.PositiveIntegerField()),
                    ],
                    options={
                        "verbose_name_plural": "campaign step totals",
                        "db_table": "engagement_campaignsteptotals",
                    },
                ),
                migrations.CreateModel(
                    name="RollupRefresh",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("finished_at", models.DateTimeField(db_index=True)),
                        ("as_of", models.DateTimeField()),
                        ("seconds", models.FloatField()),
                    ],
                    options={
                        "db_table": "engagement_rolluprefresh",
                        "ordering": ["-finished_at"],
                    },
                ),
                migrations.CreateModel(
                    name="CohortActivity",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "sector",
                            models.CharField(
                                choices=[
                                    ("financial_institution", "Financial institution"),
                                    ("law_enforcement", "Law enforcement"),
                                    ("prosecutor", "Prosecutor"),
                                    ("ngo", "NGO"),
                                    ("other", "Other"),
                                ],
                                max_length=32,
                            ),
                        ),
                        ("persona_id", models.IntegerField(blank=True, null=True)),
                        ("country", models.CharField(max_length=2)),
                        ("cohort", models.DateField()),
                        ("months_after", models.PositiveSmallIntegerField()),
                        ("members", models.PositiveIntegerField()),
                    ],
                    options={
                        "db_table": "engagement_cohortactivity",
                        "indexes": [models.Index(fields=["cohort", "months_after"], name="cohort_activity_cohort")],
                    },
                ),
                migrations.CreateModel(
                    name="JoinDaily",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "sector",
                            models.CharField(
                                choices=[
                                    ("financial_institution", "Financial institution"),
                                    ("law_enforcement", "Law enforcement"),
                                    ("prosecutor", "Prosecutor"),
                                    ("ngo", "NGO"),
                                    ("other", "Other"),
                                ],
                                max_length=32,
                            ),
                        ),
                        ("persona_id", models.IntegerField(blank=True, null=True)),
                        ("country", models.CharField(max_length=2)),
                        ("day", models.DateField()),
                        ("days_to_activation", models.IntegerField(blank=True, null=True)),
                        ("members", models.PositiveIntegerField()),
                        ("engaged", models.PositiveIntegerField()),
                        ("collaborating", models.PositiveIntegerField()),
                    ],
                    options={
                        "db_table": "engagement_joindaily",
                        "indexes": [models.Index(fields=["day"], name="join_daily_day")],
                    },
                ),
                migrations.CreateModel(
                    name="OrganisationEngagement",
                    fields=[
                        (
                            "organisation",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="engagement",
                                serialize=False,
                                to="members.organisation",
                            ),
                        ),
                        ("members", models.PositiveIntegerField()),
                        ("score", models.FloatField()),
                        ("pending", models.PositiveIntegerField()),
                        ("activated", models.PositiveIntegerField()),
                        ("engaged", models.PositiveIntegerField()),
                        ("collaborating", models.PositiveIntegerField()),
                        ("dormant", models.PositiveIntegerField()),
                    ],
                    options={
                        "db_table": "engagement_organisationengagement",
                        "indexes": [models.Index(fields=["-score"], name="organisation_engagement_score")],
                    },
                ),
                migrations.CreateModel(
                    name="PeriodActive",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "sector",
                            models.CharField(
                                choices=[
                                    ("financial_institution", "Financial institution"),
                                    ("law_enforcement", "Law enforcement"),
                                    ("prosecutor", "Prosecutor"),
                                    ("ngo", "NGO"),
                                    ("other", "Other"),
                                ],
                                max_length=32,
                            ),
                        ),
                        ("persona_id", models.IntegerField(blank=True, null=True)),
                        ("country", models.CharField(max_length=2)),
                        ("kind", models.CharField(choices=[("week", "Week"), ("month", "Month")], max_length=8)),
                        ("starts_on", models.DateField()),
                        ("members", models.PositiveIntegerField()),
                    ],
                    options={
                        "db_table": "engagement_periodactive",
                        "indexes": [models.Index(fields=["kind", "starts_on"], name="period_active_kind_start")],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("kind__in", ["week", "month"])), name="period_kind_valid"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="StageWeekly",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "sector",
                            models.CharField(
                                choices=[
                                    ("financial_institution", "Financial institution"),
                                    ("law_enforcement", "Law enforcement"),
                                    ("prosecutor", "Prosecutor"),
                                    ("ngo", "NGO"),
                                    ("other", "Other"),
                                ],
                                max_length=32,
                            ),
                        ),
                        ("persona_id", models.IntegerField(blank=True, null=True)),
                        ("country", models.CharField(max_length=2)),
                        ("week", models.DateField()),
                        (
                            "stage",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending (not yet activated)"),
                                    ("activated", "Activated"),
                                    ("engaged", "Engaged"),
                                    ("collaborating", "Collaborating"),
                                    ("dormant", "Dormant"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("members", models.PositiveIntegerField()),
                    ],
                    options={
                        "db_table": "engagement_stageweekly",
                        "indexes": [models.Index(fields=["week", "stage"], name="stage_weekly_week")],
                    },
                ),
                migrations.CreateModel(
                    name="InitiativeSectorCount",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "sector",
                            models.CharField(
                                choices=[
                                    ("financial_institution", "Financial institution"),
                                    ("law_enforcement", "Law enforcement"),
                                    ("prosecutor", "Prosecutor"),
                                    ("ngo", "NGO"),
                                    ("other", "Other"),
                                ],
                                max_length=32,
                            ),
                        ),
                        ("active", models.PositiveIntegerField()),
                        ("waitlisted", models.PositiveIntegerField()),
                        (
                            "initiative",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="initiatives.initiative",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "engagement_initiativesectorcount",
                        "constraints": [
                            models.UniqueConstraint(fields=("initiative", "sector"), name="initiative_sector_once")
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_from_engagement, content_types_to_engagement),
    ]
