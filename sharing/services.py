"""Writes of the sharing app: naming an object's recipients, changing its label (with a reason, kept), and
recording accesses to TLP:AMBER and tighter."""

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.utils import timezone
from django.utils.translation import gettext as _

from core.permissions import SHARING_OVERSIGHT_PERMISSION
from members.models import Organisation, User
from sharing.models import LOGGED, RANK, AccessLog, Channel, Label, LabelChange, Recipient, SharingGroup
from sharing.selectors import Labelled, may_see


@transaction.atomic
def recipients_set(
    *,
    obj: models.Model,
    organisations: Iterable[Organisation] = (),
    groups: Iterable[SharingGroup] = (),
    people: Iterable[User] = (),
) -> None:
    """Replaces the organisations, groups and people named on `obj`."""
    content_type = ContentType.objects.get_for_model(obj)
    Recipient.objects.filter(content_type=content_type, object_id=obj.pk).delete()
    Recipient.objects.bulk_create(
        [Recipient(content_type=content_type, object_id=obj.pk, organisation=o) for o in organisations]
        + [Recipient(content_type=content_type, object_id=obj.pk, group=g) for g in groups]
        + [Recipient(content_type=content_type, object_id=obj.pk, user=p) for p in people]
    )


def _relabel(*, obj: models.Model, spec: Labelled, old: Label, label: Label, reason: str, by: User) -> LabelChange:
    """Writes the label and keeps the change in the label's history. The object's `updated_at`, if it has one,
    moves too, so that a system syncing changes (`?updated_since=` in the API) sees the new label."""
    changes: dict[str, Any] = {spec.label: label}
    if any(field.name == "updated_at" for field in type(obj)._meta.concrete_fields):
        changes["updated_at"] = timezone.now()
    type(obj)._default_manager.filter(pk=obj.pk).update(**changes)
    setattr(obj, spec.label, label)
    return LabelChange.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        old_label=old,
        new_label=label,
        reason=reason,
        by=by,
    )


@transaction.atomic
def label_change(*, obj: models.Model, spec: Labelled, by: User, label: Label, reason: str) -> LabelChange:
    """Anyone who may see `obj` may tighten its label; only its author or staff may loosen it. The reason is
    required and kept in the label's history."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the label changes.")})
    if not may_see(user=by, obj=obj, spec=spec):
        raise PermissionDenied
    old = Label(getattr(obj, spec.label))
    if old == label:
        raise ValidationError({"label": _("The label is already %(label)s.") % {"label": label.label}})
    author = spec.follow(obj, spec.author)
    loosening = RANK[label] < RANK[old]
    if loosening and not (author is not None and author.pk == by.pk) and not by.has_perm(SHARING_OVERSIGHT_PERMISSION):
        raise PermissionDenied(_("Only the author or staff may loosen a label."))
    return _relabel(obj=obj, spec=spec, old=old, label=label, reason=reason, by=by)


def access_record(*, user: Any, objects: Iterable[models.Model], spec: Labelled, channel: Channel) -> None:
    """Logs `user`'s access through `channel` to each of `objects` labelled TLP:AMBER or tighter (one INSERT
    for them all; nothing for the rest)."""
    access_records(user=user, shown=[(objects, spec)], channel=channel)


def access_records(*, user: Any, shown: Iterable[tuple[Iterable[models.Model], Labelled]], channel: Channel) -> None:
    """`access_record` for the several lists one page shows (a space's threads and its documents), each with its
    own spec: one INSERT for them all."""
    entries = []
    for objects, spec in shown:
        for obj in objects:
            label = getattr(obj, spec.label)
            if label not in LOGGED:
                continue
            organisation = spec.follow(obj, spec.owner_organisation)
            entries.append(
                AccessLog(
                    user_id=user.pk,
                    organisation_id=organisation.pk if organisation is not None else None,
                    content_type=ContentType.objects.get_for_model(obj),
                    object_id=obj.pk,
                    label=label,
                    channel=channel,
                )
            )
    AccessLog.objects.bulk_create(entries)


@transaction.atomic
def label_choose(*, obj: models.Model, spec: Labelled, by: User, label: Label, reason: str) -> LabelChange | None:
    """Staff set the label an object is published under (tighter or looser), with the reason kept in the label's
    history; nothing is written when the label stays. Unlike `label_change`, staff need not see the object
    first: they may publish a TLP:RED object to its named recipients."""
    if not by.has_perm(SHARING_OVERSIGHT_PERMISSION):
        raise PermissionDenied(_("Only staff choose the label an object is published under."))
    old = Label(getattr(obj, spec.label))
    if old == label:
        return None
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the label changes.")})
    return _relabel(obj=obj, spec=spec, old=old, label=label, reason=reason, by=by)


def recipients_forget(*, model: type[models.Model], object_ids: Iterable[int]) -> int:
    """Removes the recipient rows of deleted objects (the rows are keyed by content type and id, with no
    foreign key that could cascade). Returns how many were removed."""
    deleted, _counts = Recipient.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=list(object_ids)
    ).delete()
    return deleted


def _forget_on_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    recipients_forget(model=sender, object_ids=[instance.pk])


def labelled_model_register(model: type[models.Model]) -> None:
    """Called from the owning app's `AppConfig.ready()` for each labelled model: deleting an object (one by
    one or in bulk through the ORM) removes its recipients in the same transaction, so none is orphaned."""
    post_delete.connect(_forget_on_delete, sender=model, dispatch_uid=f"sharing-recipients-{model._meta.label}")
