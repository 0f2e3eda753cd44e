"""Recomputes the stage history with the rules in force, week by week, then the dashboards' roll-ups."""

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from engagement.scoring import REPLAY_WEEKS, ScoreRun, engagement_replay
from engagement.signals import scores_recomputed


class Command(BaseCommand):
    help = _(
        "Replay the nightly engagement job over past weeks with today's rules (after a change of the rules), "
        "so that trends and cohorts show no step on the day of the change; then rebuild the dashboards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--weeks", type=int, default=REPLAY_WEEKS, help=_("How many weeks back (default: %(default)s).")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        weeks = options["weeks"]
        if weeks < 1:
            raise CommandError(_("--weeks must be at least 1."))

        def progress(moment: datetime, run: ScoreRun) -> None:
            self.stdout.write(
                _("%(day)s: %(members)d members, %(transitions)d changes of stage")
                % {"day": f"{moment:%Y-%m-%d}", "members": run.members, "transitions": run.transitions}
            )

        runs = engagement_replay(weeks=weeks, progress=progress)
        scores_recomputed.send(sender=self.__class__)
        self.stdout.write(self.style.SUCCESS(_("%(runs)d runs replayed; the dashboards are rebuilt.") % {"runs": runs}))
