"""Demo personas and their jobs-to-be-done from The Knoble's member research, for `manage.py seed_demo`: the
files `demo/personas/personas.csv` and `demo/personas/jobs.csv`, loaded through the staff importers."""

from core.demo_files import demo_csv_import, demo_csv_rows
from personas.csv_io import JOB_CSV, PERSONA_CSV
from personas.models import JobToBeDone, Persona


def seed() -> list[tuple[str, str]]:
    """Idempotent: only personas (by name) and jobs (by persona and situation) not there yet are imported, so
    staff's edits to the demo rows stay."""
    names = set(Persona.objects.values_list("name", flat=True))
    personas = [row for row in demo_csv_rows("personas/personas.csv") if row["name"] not in names]
    demo_csv_import(csv_format=PERSONA_CSV, rows=personas)
    jobs = set(JobToBeDone.objects.values_list("persona__name", "situation"))
    new_jobs = [row for row in demo_csv_rows("personas/jobs.csv") if (row["persona"], row["situation"]) not in jobs]
    demo_csv_import(csv_format=JOB_CSV, rows=new_jobs)
    return []
