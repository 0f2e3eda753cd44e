from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from analytics import demo as analytics_demo
from campaigns import demo as campaigns_demo
from directory import demo as directory_demo
from ecosystem import demo as ecosystem_demo
from initiatives import demo as initiatives_demo
from knoble import demo_translations
from members import demo as members_demo
from outcomes import demo as outcomes_demo
from personas import demo as personas_demo
from roadmap import demo as roadmap_demo
from spaces import demo as spaces_demo
from voice import demo as voice_demo

# In dependency order: each app's demo data may rely on the apps before it.
SEEDERS = [
    personas_demo.seed,
    members_demo.seed,
    roadmap_demo.seed,
    ecosystem_demo.seed,
    outcomes_demo.seed,
    initiatives_demo.seed,
    voice_demo.seed,
    spaces_demo.seed,
    campaigns_demo.seed,
    directory_demo.seed,
    # The translations of the content above (red flags, initiatives, personas).
    demo_translations.seed,
    # Last: it replays the engagement history over everything above.
    analytics_demo.seed,
]


class Command(BaseCommand):
    help = "Loads the demo data (idempotent: safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        logins: list[tuple[str, str]] = []
        with transaction.atomic():
            for seed in SEEDERS:
                logins += seed() or []
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
        for email, role in logins:
            self.stdout.write(f"  {email:<22} password: {settings.DEMO_PASSWORD:<14} ({role})")
