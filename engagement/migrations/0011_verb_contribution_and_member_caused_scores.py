"""Verbs can mark contributions; scores count the member's own acts only, so the defaults that credited the
portal's own doing go: messages sent and promotions from a waitlist lose their rows, opens their untuned half point.
Attending a session is the first contribution."""

import django.core.validators
from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def member_caused_defaults(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    verb_score = apps.get_model("engagement", "VerbScore")
    if not verb_score.objects.exists():
        return  # the defaults are written when the settings are first read
    verb_score.objects.filter(verb__in=["message_sent", "initiative_promoted"]).delete()
    verb_score.objects.filter(verb="message_opened", points=0.5).update(points=0, daily_cap=1)
    verb_score.objects.get_or_create(
        verb="session_attended", defaults={"points": 5, "daily_cap": 2, "meaningful": True, "contribution": True}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0010_campaigns_and_analytics_move_out"),
        ("members", "0007_activity_origin"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="verbscore",
            name="verb_score_verb_valid",
        ),
        migrations.AddField(
            model_name="verbscore",
            name="contribution",
            field=models.BooleanField(
                default=False,
                help_text="A contribution to an initiative: done in an initiative the member takes part in, it makes them collaborating. Joining or viewing is not.",
            ),
        ),
        migrations.AlterField(
            model_name="engagementsettings",
            name="collaborating_window_days",
            field=models.PositiveIntegerField(
                default=90,
                help_text="Collaborating: a contribution (a verb marked so) to an initiative one takes part in, within this many days.",
                validators=[django.core.validators.MinValueValidator(1)],
            ),
        ),
        migrations.AlterField(
            model_name="engagementsettings",
            name="dormant_after_days",
            field=models.PositiveIntegerField(
                default=90,
                help_text="Dormant after this many days without an act of the member's own.",
                validators=[django.core.validators.MinValueValidator(1)],
            ),
        ),
        migrations.AlterField(
            model_name="verbscore",
            name="points",
            field=models.FloatField(
                help_text="Points one of the member's own acts of this kind earns, halving with every half-life.",
                validators=[django.core.validators.MinValueValidator(0)],
            ),
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
                        ],
                    )
                ),
                name="verb_score_verb_valid",
            ),
        ),
        migrations.RunPython(member_caused_defaults, migrations.RunPython.noop),
    ]
