"""What the roadmap tells the apps above it, which it may not import (docs/ARCHITECTURE.md)."""

from django.dispatch import Signal

# Sent once a revision's publication has committed, with `revision_id`: members may now see what it changed (an
# item's status, its months), and the apps above tell whoever voted for or follows an item.
revision_published = Signal()
