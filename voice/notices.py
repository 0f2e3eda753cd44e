"""Telling voters and followers when a published revision changes a roadmap item they care about.

Members see the roadmap as published, so a change reaches them when a revision publishes it: an item newly on the
roadmap, its status changed (planned, in progress, done…), its months moved, or taken off. One `RevisionNotice`
row per revision makes the notice run once, however often it is called (a retried task, two workers)."""

from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from members.languages import in_member_language
from members.models import Member, NotificationKind
from members.services import notification_create
from roadmap.models import ItemStatus, RoadmapRevision
from voice.models import RevisionNotice
from voice.selectors import audience_ids

# members' inbox has no kind for the roadmap yet (adding one needs a members migration, which voice may not write):
# until it does, these notices go as the portal's general "Message from The Knoble".
ROADMAP_NOTICE_KIND = NotificationKind.ROADMAP_UPDATE


def item_changes(previous: dict[str, Any] | None, current: dict[str, Any]) -> dict[int, tuple[str, str]]:
    """What changed between two snapshots, per opportunity: a title and a body for the notice, in the active
    language."""
    labels = dict(ItemStatus.choices)
    before = {item["opportunity_id"]: item for item in (previous or {}).get("items", [])}
    after = {item["opportunity_id"]: item for item in current.get("items", [])}
    changes: dict[int, tuple[str, str]] = {}
    for pk, item in after.items():
        old = before.get(pk)
        status = str(labels.get(item["status"], item["status"]))
        if old is None:
            changes[pk] = (
                _("“%(title)s” is on the roadmap") % {"title": item["title"]},
                _("It is planned as “%(status)s”, in the horizon “%(horizon)s”.")
                % {"status": status, "horizon": item["horizon"]},
            )
        elif old["status"] != item["status"]:
            changes[pk] = (
                _("“%(title)s” is now %(status)s") % {"title": item["title"], "status": status.lower()},
                _("Its status changed from “%(old)s” to “%(new)s”.")
                % {"old": labels.get(old["status"], old["status"]), "new": status},
            )
        elif (old["start_month"], old["end_month"]) != (item["start_month"], item["end_month"]):
            changes[pk] = (
                _("“%(title)s” has moved") % {"title": item["title"]},
                _("It now runs from month %(start)d to month %(end)d of the roadmap (was %(old_start)d–%(old_end)d).")
                % {
                    "start": item["start_month"],
                    "end": item["end_month"],
                    "old_start": old["start_month"],
                    "old_end": old["end_month"],
                },
            )
    for pk, old in before.items():
        if pk not in after:
            changes[pk] = (
                _("“%(title)s” is off the roadmap") % {"title": old["title"]},
                _("The latest roadmap no longer includes it."),
            )
    return changes


def revision_notify(*, revision_id: int) -> int:
    """Notifies, once, every member who voted for or follows an item the revision changed; returns how many
    notices it wrote (0 when this revision was already notified)."""
    with transaction.atomic():
        revision = RoadmapRevision.objects.select_related("roadmap").get(pk=revision_id)
        try:
            with transaction.atomic():
                notice = RevisionNotice.objects.create(revision=revision)
        except IntegrityError:
            return 0
        previous = (
            RoadmapRevision.objects.filter(roadmap_id=revision.roadmap_id, number__lt=revision.number)
            .order_by("-number")
            .first()
        )
        changes = item_changes(previous.snapshot if previous else None, revision.snapshot)
        audience = audience_ids(opportunity_ids=list(changes))
        members = Member.objects.in_bulk(set().union(*audience.values()) if audience else set())
        url = reverse("voice:roadmap_items")
        # Each reader's notices in their language, not the publisher's: the changes written once per language.
        written: dict[str, dict[int, tuple[str, str]]] = {}
        sent = 0
        for pk in changes:
            for member_id in sorted(audience[pk]):
                member = members[member_id]
                with in_member_language(member.language):
                    if member.language not in written:
                        written[member.language] = item_changes(
                            previous.snapshot if previous else None, revision.snapshot
                        )
                    title, body = written[member.language][pk]
                    notification_create(
                        member=member, kind=ROADMAP_NOTICE_KIND, title=title, body=body, url=f"{url}#item-{pk}"
                    )
                sent += 1
        notice.notified = sent
        notice.save(update_fields=["notified"])
    return sent
