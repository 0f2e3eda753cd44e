"""Stored files that no document version names: removed by the worker.

`spaces.services.document_upload` writes the bytes through Django's storage before it inserts the version's row,
so that the row never names a file that is not there. If the transaction then rolls back (a later step of the
service fails, or the caller's own transaction does), or the process dies before the commit, the file is left
behind with no row: Django has no rollback hook to delete it then, and a crash would skip any hook. The service
deletes the file itself when it fails; everything else is swept here: every file under `spaces/` older than
`GRACE` (so that an upload still in its transaction is never touched) that no `DocumentVersion` names. The same
sweep removes the files of deleted documents.
"""

from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from spaces.models import DocumentVersion

ROOT = "spaces"
GRACE = timedelta(hours=1)
BATCH = 500


def _stored_names(folder: str) -> list[str]:
    folders, files = default_storage.listdir(folder)
    names = [f"{folder}/{name}" for name in files]
    for sub in folders:
        names.extend(_stored_names(f"{folder}/{sub}"))
    return names


def orphan_files_remove(*, now: datetime | None = None) -> int:
    """Deletes the stored files under `spaces/` that no version names and that are older than `GRACE`; returns how
    many it deleted."""
    cutoff = (now or timezone.now()) - GRACE
    try:
        names = _stored_names(ROOT)
    except FileNotFoundError:
        return 0
    removed = 0
    for start in range(0, len(names), BATCH):
        batch = names[start : start + BATCH]
        named = set(DocumentVersion.objects.filter(file__in=batch).values_list("file", flat=True))
        for name in batch:
            if name in named or default_storage.get_modified_time(name) >= cutoff:
                continue
            default_storage.delete(name)
            removed += 1
    return removed
