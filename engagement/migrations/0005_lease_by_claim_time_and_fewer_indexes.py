"""The claim time becomes the lease (kept on sending rows and on no others), and the foreign-key indexes that
composite indexes already lead with are dropped."""

import django.db.models.deletion
from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def forget_claims_of_finished_rows(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # A claim time means nothing once a row has left `sending`; the new CHECK allows it nowhere else.
    delivery = apps.get_model("engagement", "Delivery")
    delivery.objects.exclude(status="sending").filter(claimed_at__isnull=False).update(claimed_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0004_delivery_log_index"),
        ("members", "0005_redundant_foreign_key_indexes"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="delivery",
            name="sending_delivery_is_claimed",
        ),
        migrations.AlterField(
            model_name="delivery",
            name="campaign",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deliveries",
                to="engagement.campaign",
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="member",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="campaign_deliveries",
                to="members.member",
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="step",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deliveries",
                to="engagement.campaignstep",
            ),
        ),
        migrations.RunPython(forget_claims_of_finished_rows, migrations.RunPython.noop),
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
    ]
