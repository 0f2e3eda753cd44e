"""The in-app inbox now belongs to members (see members 0006): the table and its rows stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0005_history_of_personas_stages_and_red_flags"),
        ("members", "0006_notification_moves_to_members"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Notification")]),
    ]
