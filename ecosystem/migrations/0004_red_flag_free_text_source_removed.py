from django.db import migrations


class Migration(migrations.Migration):
    """The free-text source gives way to citations (0003 copied it into Source records)."""

    dependencies = [
        ("ecosystem", "0003_sources_and_citations"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="redflag",
            name="red_flag_has_source",
        ),
        migrations.RemoveField(
            model_name="historicalredflag",
            name="source",
        ),
        migrations.RemoveField(
            model_name="historicalredflag",
            name="source_url",
        ),
        migrations.RemoveField(
            model_name="redflag",
            name="source",
        ),
        migrations.RemoveField(
            model_name="redflag",
            name="source_url",
        ),
    ]
