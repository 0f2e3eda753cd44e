"""What initiatives tell the apps above it, which it may not import (docs/ARCHITECTURE.md)."""

from django.dispatch import Signal

# Sent once a member's place is given up (they left, or staff took them out) and committed, with `initiative_id`:
# spaces narrows the space's TLP:AMBER audience at once rather than at its hourly sync.
place_given_up = Signal()
