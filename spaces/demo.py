"""The demo space, for `manage.py seed_demo` (after the initiatives): in the IMB red-flag working group, the demo
member and a participant of another sector discuss, share a document, and the lead records the kick-off call with
its attendance, notes and action items (`demo/spaces/spaces.json`). Written through the services, so the
contributions, mentions and labels are what members' own would be. Idempotent: a space with threads is left
alone."""

import io
from datetime import timedelta

from django.utils import timezone

from core.demo_files import demo_json, demo_path
from initiatives.models import Initiative, Participation, ParticipationStatus
from initiatives.services import attendance_record
from members.models import Member
from spaces import services
from spaces.models import Thread

MEMBER_EMAIL = "member@example.org"


def _cast(initiative: Initiative) -> dict[str, Member] | None:
    """The demo member and the first participant of another sector."""
    active = [
        row.member
        for row in Participation.objects.filter(initiative=initiative, status=ParticipationStatus.ACTIVE)
        .select_related("member__user", "member__organisation")
        .order_by("requested_at", "id")
    ]
    me = next((m for m in active if m.user.email == MEMBER_EMAIL), None)
    if me is None:
        return None
    my_sector = me.organisation.sector if me.organisation else None
    other = next((m for m in active if m.pk != me.pk and m.organisation and m.organisation.sector != my_sector), None)
    other = other or next((m for m in active if m.pk != me.pk), None)
    return {"member": me, "other": other} if other is not None else None


def seed() -> list[tuple[str, str]]:
    story = demo_json("spaces/spaces.json")
    initiative = Initiative.objects.filter(slug=story["initiative"]).select_related("lead").first()
    if initiative is None or initiative.lead is None:
        return []
    if Thread.objects.filter(space__initiative=initiative).exists():
        return []
    cast = _cast(initiative)
    if cast is None:
        return []
    other_handle = services.handle(cast["other"])
    for row in story["threads"]:
        thread = services.thread_start(
            initiative=initiative,
            member=cast[row["by"]],
            title=row["title"],
            body=row["body"].replace("{other}", other_handle),
            label=row["label"],
        )
        for reply in row["replies"]:
            services.post_reply(thread=thread, member=cast[reply["by"]], body=reply["body"])
    document = story["document"]
    content = demo_path(f"spaces/{document['file']}").read_bytes()
    services.document_upload(
        initiative=initiative,
        member=cast[document["by"]],
        data=io.BytesIO(content),
        filename=document["file"],
        size=len(content),
        title=document["title"],
        label=document["label"],
    )
    meeting = story["session"]
    lead = initiative.lead
    session = services.session_schedule(
        initiative=initiative,
        by=lead,
        starts_at=(timezone.now() - timedelta(days=meeting["days_ago"])).replace(minute=0, second=0, microsecond=0),
        title=meeting["title"],
    )
    services.session_notes_save(
        session=session, by=lead, agenda=meeting["agenda"], notes=meeting["notes"], decisions=meeting["decisions"]
    )
    for who in meeting["attended"]:
        attendance_record(session=session, member=cast[who], by=lead)
    today = timezone.localdate()
    for action in meeting["actions"]:
        services.action_item_create(
            initiative=initiative,
            by=lead,
            title=action["title"],
            owner=cast[action["owner"]],
            due_on=today + timedelta(days=action["due_in_days"]),
            session=session,
        )
    return []
