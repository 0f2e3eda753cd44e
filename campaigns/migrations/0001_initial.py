"""Campaigns take over their models from engagement (see engagement 0010): state only, the `engagement_*` tables
and their rows stay as they are; the content types follow, and with them the permissions granted on them.
"""

import datetime

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models

MOVED = ["segment", "campaign", "campaignstep", "delivery", "bounce", "undeliverableaddress"]


def content_types_from_engagement(apps, schema_editor):
    """Moves the content types, so that the permissions granted on them (and the admin log) follow the models."""
    content_types = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not content_types.objects.filter(app_label="campaigns", model=model).exists():
            content_types.objects.filter(app_label="engagement", model=model).update(app_label="campaigns")


def content_types_to_engagement(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not content_types.objects.filter(app_label="engagement", model=model).exists():
            content_types.objects.filter(app_label="campaigns", model=model).update(app_label="engagement")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("engagement", "0010_campaigns_and_analytics_move_out"),
        ("ecosystem", "0002_same_category_foreign_keys"),
        ("initiatives", "0006_notification_moves_to_members"),
        ("members", "0006_notification_moves_to_members"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Segment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200, unique=True)),
                        ("description", models.TextField(blank=True)),
                        (
                            "rules",
                            models.JSONField(
                                blank=True,
                                default=list,
                                help_text='A list of rules, all of which must hold, e.g. [{"field": "sector", "value": ["ngo"]}].',
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "db_table": "engagement_segment",
                        "ordering": ["name"],
                    },
                ),
                migrations.CreateModel(
                    name="Campaign",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200, unique=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("draft", "Draft"),
                                    ("scheduled", "Scheduled"),
                                    ("running", "Running"),
                                    ("paused", "Paused"),
                                    ("completed", "Completed"),
                                    ("cancelled", "Cancelled"),
                                ],
                                db_index=True,
                                default="draft",
                                max_length=16,
                            ),
                        ),
                        (
                            "starts_at",
                            models.DateTimeField(blank=True, help_text="Empty: as soon as it is launched.", null=True),
                        ),
                        (
                            "enrol_late_joiners",
                            models.BooleanField(
                                default=False, verbose_name="enrol members who enter the segment later"
                            ),
                        ),
                        (
                            "track_opens",
                            models.BooleanField(
                                default=False,
                                help_text="Adds an invisible image to e-mails to see who opens them. Off unless needed.",
                            ),
                        ),
                        (
                            "allowed_link_hosts",
                            models.TextField(
                                blank=True,
                                help_text="Other web sites the messages may link to, one host name a line (e.g. www.fincen.gov). Links to this site are always allowed.",
                            ),
                        ),
                        ("enrolled_at", models.DateTimeField(blank=True, editable=False, null=True)),
                        ("launched_at", models.DateTimeField(blank=True, editable=False, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "goal",
                            models.ForeignKey(
                                blank=True,
                                help_text="Joining this initiative counts as the campaign's conversion.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="initiatives.initiative",
                            ),
                        ),
                        (
                            "launched_by",
                            models.ForeignKey(
                                blank=True,
                                editable=False,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "segment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="campaigns",
                                to="campaigns.segment",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "engagement_campaign",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="CampaignStep",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "position",
                            models.PositiveSmallIntegerField(help_text="Steps run in this order, starting at 1."),
                        ),
                        (
                            "delay",
                            models.DurationField(
                                default=datetime.timedelta(0),
                                help_text="Wait after the previous step (or the start), e.g. 3 days, 0:00:00.",
                            ),
                        ),
                        (
                            "channel",
                            models.CharField(
                                choices=[("email", "E-mail"), ("in_app", "In-app"), ("both", "E-mail and in-app")],
                                default="email",
                                max_length=16,
                            ),
                        ),
                        ("subject", models.CharField(max_length=200)),
                        (
                            "body",
                            models.TextField(
                                help_text="Markdown. Placeholders: {name}, {organisation}, {goal} and {goal_link} (the goal initiative)."
                            ),
                        ),
                        (
                            "condition",
                            models.CharField(
                                choices=[
                                    ("always", "Always"),
                                    ("goal_not_reached", "Only if the goal is not reached yet"),
                                    ("previous_opened", "Only if the previous message was opened"),
                                    ("previous_not_opened", "Only if the previous message was not opened"),
                                    ("previous_clicked", "Only if a link in the previous message was clicked"),
                                    ("previous_not_clicked", "Only if no link in the previous message was clicked"),
                                ],
                                default="always",
                                max_length=32,
                            ),
                        ),
                        (
                            "campaign",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="steps",
                                to="campaigns.campaign",
                            ),
                        ),
                        (
                            "red_flags",
                            models.ManyToManyField(
                                blank=True,
                                help_text="Published red flags the message points to; it lists them as links.",
                                limit_choices_to={"review_state": "published"},
                                related_name="campaign_steps",
                                to="ecosystem.redflag",
                            ),
                        ),
                        (
                            "stages",
                            models.ManyToManyField(
                                blank=True,
                                help_text="Stages of an ecosystem map the message points to; it lists them as links.",
                                related_name="campaign_steps",
                                to="ecosystem.stage",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "engagement_campaignstep",
                        "ordering": ["campaign", "position"],
                    },
                ),
                migrations.CreateModel(
                    name="Delivery",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("sending", "Sending"),
                                    ("deferred", "Deferred"),
                                    ("sent", "Sent"),
                                    ("bounced", "Bounced"),
                                    ("skipped", "Skipped"),
                                    ("suppressed", "Suppressed"),
                                    ("failed", "Failed"),
                                ],
                                default="pending",
                                max_length=16,
                            ),
                        ),
                        (
                            "channel",
                            models.CharField(
                                blank=True,
                                choices=[("email", "E-mail"), ("in_app", "In-app"), ("both", "E-mail and in-app")],
                                help_text="As delivered.",
                                max_length=16,
                            ),
                        ),
                        ("due_at", models.DateTimeField()),
                        ("enqueued_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "claimed_at",
                            models.DateTimeField(blank=True, help_text="When a worker took it to send.", null=True),
                        ),
                        (
                            "next_attempt_at",
                            models.DateTimeField(
                                blank=True,
                                help_text="When a message the mail server refused for now (4xx) is offered again.",
                                null=True,
                            ),
                        ),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "finished_at",
                            models.DateTimeField(blank=True, help_text="When it reached its final status.", null=True),
                        ),
                        ("opened_at", models.DateTimeField(blank=True, null=True)),
                        ("clicked_at", models.DateTimeField(blank=True, null=True)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        (
                            "last_error",
                            models.CharField(
                                blank=True,
                                help_text="Why it failed, was deferred, skipped or suppressed.",
                                max_length=500,
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "campaign",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="deliveries",
                                to="campaigns.campaign",
                            ),
                        ),
                        (
                            "member",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="campaign_deliveries",
                                to="members.member",
                            ),
                        ),
                        (
                            "step",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="deliveries",
                                to="campaigns.campaignstep",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "deliveries",
                        "db_table": "engagement_delivery",
                        "ordering": ["-due_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="Bounce",
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
                                choices=[("hard", "Hard (permanent)"), ("soft", "Soft (temporary)")], max_length=8
                            ),
                        ),
                        (
                            "email",
                            models.EmailField(
                                help_text="The address the message was sent to, normalised (lower case).",
                                max_length=254,
                            ),
                        ),
                        (
                            "action",
                            models.CharField(help_text="The notification's Action: failed or delayed.", max_length=16),
                        ),
                        (
                            "status",
                            models.CharField(
                                blank=True, help_text="The enhanced status code, e.g. 5.1.1.", max_length=16
                            ),
                        ),
                        (
                            "diagnostic",
                            models.CharField(blank=True, help_text="The remote server's reply.", max_length=500),
                        ),
                        (
                            "message_key",
                            models.CharField(
                                help_text="The notification's Message-ID, or a digest of it.",
                                max_length=255,
                                unique=True,
                            ),
                        ),
                        ("received_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "delivery",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="bounces",
                                to="campaigns.delivery",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "engagement_bounce",
                        "ordering": ["-received_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="UndeliverableAddress",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("email", models.EmailField(help_text="Normalised (lower case).", max_length=254, unique=True)),
                        ("reason", models.CharField(max_length=500)),
                        ("marked_at", models.DateTimeField()),
                        (
                            "cleared_at",
                            models.DateTimeField(
                                blank=True, help_text="Cleared by staff: e-mail is tried again.", null=True
                            ),
                        ),
                        (
                            "bounce",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="campaigns.bounce",
                            ),
                        ),
                        (
                            "cleared_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "undeliverable addresses",
                        "db_table": "engagement_undeliverableaddress",
                        "ordering": ["-marked_at", "-id"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="campaignstep",
                    constraint=models.UniqueConstraint(
                        fields=("campaign", "position"), name="campaign_step_position_unique"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="campaignstep",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("position__gte", 1)), name="campaign_step_position_positive"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="campaignstep",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("channel__in", ["email", "in_app", "both"])),
                        name="campaign_step_channel_valid",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="campaignstep",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            (
                                "condition__in",
                                [
                                    "always",
                                    "goal_not_reached",
                                    "previous_opened",
                                    "previous_not_opened",
                                    "previous_clicked",
                                    "previous_not_clicked",
                                ],
                            )
                        ),
                        name="campaign_step_condition_valid",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="campaignstep",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("delay__gte", datetime.timedelta(0))),
                        name="campaign_step_delay_not_negative",
                    ),
                ),
                migrations.AddIndex(
                    model_name="delivery",
                    index=models.Index(
                        condition=models.Q(("status", "pending")), fields=["due_at"], name="delivery_due"
                    ),
                ),
                migrations.AddIndex(
                    model_name="delivery",
                    index=models.Index(
                        condition=models.Q(("status", "sending")), fields=["claimed_at"], name="delivery_sending"
                    ),
                ),
                migrations.AddIndex(
                    model_name="delivery",
                    index=models.Index(
                        condition=models.Q(("status", "deferred")),
                        fields=["next_attempt_at"],
                        name="delivery_deferred_due",
                    ),
                ),
                migrations.AddIndex(
                    model_name="delivery",
                    index=models.Index(fields=["step", "status"], name="delivery_step_status"),
                ),
                migrations.AddIndex(
                    model_name="delivery",
                    index=models.Index(fields=["campaign", "status"], name="delivery_campaign_status"),
                ),
                migrations.AddIndex(
                    model_name="delivery",
                    index=models.Index(fields=["member", "sent_at"], name="delivery_member_sent"),
                ),
                migrations.AddIndex(
                    model_name="delivery",
                    index=models.Index(fields=["status", "-due_at", "-id"], name="delivery_log_by_status"),
                ),
                migrations.AddConstraint(
                    model_name="delivery",
                    constraint=models.UniqueConstraint(
                        fields=("step", "member"), name="delivery_once_per_step_and_member"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="delivery",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            (
                                "status__in",
                                [
                                    "pending",
                                    "sending",
                                    "deferred",
                                    "sent",
                                    "bounced",
                                    "skipped",
                                    "suppressed",
                                    "failed",
                                ],
                            )
                        ),
                        name="delivery_status_valid",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="delivery",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "sent"), _negated=True), ("sent_at__isnull", False), _connector="OR"
                        ),
                        name="sent_delivery_has_sent_at",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="delivery",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("claimed_at__isnull", False), ("status", "sending")),
                            models.Q(models.Q(("status", "sending"), _negated=True), ("claimed_at__isnull", True)),
                            _connector="OR",
                        ),
                        name="claimed_while_sending_only",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="delivery",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("next_attempt_at__isnull", False), ("status", "deferred")),
                            models.Q(
                                models.Q(("status", "deferred"), _negated=True), ("next_attempt_at__isnull", True)
                            ),
                            _connector="OR",
                        ),
                        name="next_attempt_while_deferred_only",
                    ),
                ),
                migrations.AddIndex(
                    model_name="bounce",
                    index=models.Index(fields=["email", "received_at"], name="bounce_email_received"),
                ),
                migrations.AddConstraint(
                    model_name="bounce",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("email", django.db.models.functions.text.Lower("email"))),
                        name="bounce_email_normalised",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="campaign",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("status__in", ["draft", "scheduled", "running", "paused", "completed", "cancelled"])
                        ),
                        name="campaign_status_valid",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="undeliverableaddress",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("email", django.db.models.functions.text.Lower("email"))),
                        name="undeliverable_email_normalised",
                    ),
                ),
            ],
        ),
        migrations.RunPython(content_types_from_engagement, content_types_to_engagement),
    ]
