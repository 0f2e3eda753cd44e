"""Writes of the research repository (staff edit studies, notes and highlights in the admin)."""

from voice.models import Highlight, ResearchNote


def highlight_stamp(*, highlight: Highlight, note: ResearchNote) -> Highlight:
    """A highlight carries its participant's sector and the session's date: what readers outside staff see of who
    said it and when. Called before each save; the participant's name is never copied."""
    participant = note.participant
    highlight.sector = participant.sector if participant is not None else ""
    if highlight.observed_on is None:
        highlight.observed_on = note.held_on
    return highlight
