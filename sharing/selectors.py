"""Who may see a labelled object: one filter (`scope`), set-based, that every channel applies, and the
object-level check (`may_see`) built on it, so that the two can never disagree.

Nothing is cached: the filter reads the viewer's standing, organisation, groups and the 314(b) registrations
on every call, so a suspension or an organisation leaving a group holds from the next request on.
"""

import dataclasses
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from core.permissions import SHARING_OVERSIGHT_PERMISSION
from members.access import may_use_portal
from sharing.models import AccessLog, Label, Recipient, Registration314b

QS = TypeVar("QS", bound=QuerySet[Any])


@dataclasses.dataclass(frozen=True)
class Labelled:
    """How a labelled model names its label, its author and the author's organisation (paths from the model,
    `None` where the model has none: staff author red flags, and no organisation owns them)."""

    label: str = "label"
    author: str | None = None
    owner_organisation: str | None = None

    def follow(self, obj: models.Model, path: str | None) -> Any:
        """The value at `path` from `obj` (`member__organisation` from a suggestion), or None."""
        value: Any = obj if path else None
        for part in path.split("__") if path else []:
            value = getattr(value, part, None)
        return value


def viewer_organisation_id(user: Any) -> int | None:
    member = getattr(user, "member", None) if user.is_authenticated else None
    return member.organisation_id if member is not None else None


def _groups_counting_for(recipients: QuerySet[Recipient], organisation_id: int) -> QuerySet[Recipient]:
    """The `recipients` that are groups the organisation belongs to today: a group that requires 314(b) counts it
    only while its registration is current. Joined rather than a nested subquery: one subquery less to compile."""
    current = Registration314b.objects.filter(organisation_id=organisation_id, expires_on__gte=timezone.localdate())
    return recipients.filter(group__organisations=organisation_id).filter(
        Q(group__requires_314b=False) | Exists(current)
    )


def visible_q(*, user: Any, model: type[models.Model], spec: Labelled) -> Q:
    """The condition, on `model`'s rows, that `user` may see them (TLP 2.0):

    CLEAR and GREEN: anyone who may use the portal. AMBER: the author, the author's organisation, the named
    organisations, the organisations of the named groups and the named people. AMBER+STRICT: the author, the
    author's organisation and the named organisations. RED: the author and the named people. Staff with the
    oversight permission see everything up to AMBER+STRICT; RED only where named. Anyone who may not use
    the portal now (pending, suspended, left, inactive, anonymous) sees nothing.
    """
    if not may_use_portal(user):
        return Q(pk__in=[])
    label = spec.label
    recipients = Recipient.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=OuterRef("pk")
    )
    author = Q(**{spec.author: user.pk}) if spec.author else Q(pk__in=[])
    named_person = Q(Exists(recipients.filter(user=user.pk)))
    organisation_id = viewer_organisation_id(user)
    if organisation_id is None:
        own_organisation = named_organisation = in_named_group = Q(pk__in=[])
    else:
        own_organisation = Q(**{spec.owner_organisation: organisation_id}) if spec.owner_organisation else Q(pk__in=[])
        named_organisation = Q(Exists(recipients.filter(organisation=organisation_id)))
        in_named_group = Q(Exists(_groups_counting_for(recipients, organisation_id)))
    red = Q(**{label: Label.RED}) & (author | named_person)
    if user.has_perm(SHARING_OVERSIGHT_PERMISSION):
        return ~Q(**{label: Label.RED}) | red
    # The same rules, grouped by audience rather than by label, so that each subquery appears (and is compiled)
    # once: the organisations for AMBER and AMBER+STRICT, the named people for AMBER and RED, the groups for AMBER.
    return (
        Q(**{f"{label}__in": [Label.CLEAR, Label.GREEN]})
        | Q(**{f"{label}__in": [Label.AMBER, Label.AMBER_STRICT, Label.RED]}) & author
        | Q(**{f"{label}__in": [Label.AMBER, Label.AMBER_STRICT]}) & (own_organisation | named_organisation)
        | Q(**{f"{label}__in": [Label.AMBER, Label.RED]}) & named_person
        | Q(**{label: Label.AMBER}) & in_named_group
    )


def scope(queryset: QS, *, user: Any, spec: Labelled) -> QS:
    """The rows of `queryset` that `user` may see: one WHERE clause of subqueries, whatever the number of
    rows, groups or recipients."""
    return queryset.filter(visible_q(user=user, model=queryset.model, spec=spec))


def may_see(*, user: Any, obj: models.Model, spec: Labelled) -> bool:
    """The object-level check: the same filter, applied to the one row."""
    return scope(type(obj)._default_manager.filter(pk=obj.pk), user=user, spec=spec).exists()


def reads_access_log(user: Any) -> bool:
    """Staff with the oversight permission, and an organisation's admin who may use the portal now."""
    if not may_use_portal(user):
        return False
    if user.has_perm(SHARING_OVERSIGHT_PERMISSION):
        return True
    member = getattr(user, "member", None)
    return bool(member is not None and member.is_organisation_admin and member.organisation_id)


def access_log_for(*, user: Any) -> QuerySet[AccessLog]:
    """The access-log entries `user` may read: all for staff; for an organisation's admin, those of the objects
    their organisation owns (a suggestion of one of its members); nothing for anyone else."""
    entries = AccessLog.objects.select_related("user", "content_type", "organisation").order_by("-at", "-id")
    if not reads_access_log(user):
        return entries.none()
    if user.has_perm(SHARING_OVERSIGHT_PERMISSION):
        return entries
    return entries.filter(organisation_id=user.member.organisation_id)
