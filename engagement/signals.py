"""What engagement tells the apps above it, which it may not import (docs/ARCHITECTURE.md)."""

from django.dispatch import Signal

# Sent by the nightly run once every member's score and stage are rewritten; analytics rebuilds its roll-ups.
scores_recomputed = Signal()
