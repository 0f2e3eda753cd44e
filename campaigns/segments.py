"""Segment rules: one registry entry per field, each with its validator and its query.

A rule is `{"field": <name>, "value": <value>}`; a segment's rules must all hold, and compile to one query
over members. To add a field add one `RuleField` to `RULE_FIELDS`: nothing else changes.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from ecosystem.models import RedFlag
from engagement.models import LifecycleStage, stage_name
from initiatives.models import Initiative, Participation, ParticipationStatus
from members.consent import consent_unrecorded
from members.models import Activity, Member, MemberQuerySet, Organisation, Origin, Verb
from outcomes.models import OutcomeReport
from personas.models import Persona, Sector

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise


@dataclass(frozen=True)
class RuleField:
    label: "str | StrPromise"
    # Returns the value in its canonical form, or raises ValidationError with a message for staff.
    clean: Callable[[Any], Any]
    to_q: Callable[[Any], Q]
    # For a field whose value is a list of stored values: each value's name as people read it.
    names: Callable[[str], str] | None = None

    def describe(self, value: Any) -> str:
        """The rule in words for staff: "Lifecycle stage: Not yet activated, Engaged"."""
        if isinstance(value, list):
            shown = ", ".join(self.names(item) if self.names else str(item) for item in value)
        elif isinstance(value, bool):
            shown = _("yes") if value else _("no")
        else:
            shown = str(value)
        return f"{self.label}: {shown}"


def _choices(
    allowed: Callable[[], set[str]], what: "str | StrPromise", names: Callable[[str], str] | None = None
) -> Callable[[Any], list[str]]:
    def clean(value: Any) -> list[str]:
        if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
            raise ValidationError(_("%(what)s: give a non-empty list of values.") % {"what": what})
        unknown = sorted(set(value) - allowed())
        if unknown:
            known = ""
            if names is not None:
                listed = "; ".join(f"{v!r} ({names(v)})" for v in sorted(allowed()))
                known = " " + _("Known values: %(values)s.") % {"values": listed}
            raise ValidationError(
                _("%(what)s: unknown value(s) %(unknown)s.%(known)s")
                % {"what": what, "unknown": ", ".join(map(repr, unknown)), "known": known}
            )
        return sorted(set(value))

    return clean


def _ids(model: Any, what: "str | StrPromise") -> Callable[[Any], list[int]]:
    def clean(value: Any) -> list[int]:
        if not isinstance(value, list) or not value or not all(type(item) is int for item in value):
            raise ValidationError(_("%(what)s: give a non-empty list of ids.") % {"what": what})
        known = set(model.objects.filter(pk__in=value).values_list("pk", flat=True))
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValidationError(
                _("%(what)s: no %(kind)s with id %(unknown)s.")
                % {"what": what, "kind": model._meta.verbose_name, "unknown": ", ".join(map(str, unknown))}
            )
        return sorted(set(value))

    return clean


def _initiative(value: Any) -> int:
    if type(value) is not int or not Initiative.objects.filter(pk=value).exists():
        raise ValidationError(_("Initiative: no initiative with id %(value)s.") % {"value": repr(value)})
    return value


def _date(value: Any) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise ValidationError(_("Date: %(value)s is not a date like 2026-01-31.") % {"value": repr(value)}) from None


def _boolean(what: "str | StrPromise") -> Callable[[Any], bool]:
    def clean(value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError(_("%(what)s: %(value)s is not true or false.") % {"what": what, "value": repr(value)})
        return value

    return clean


def start_of(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=UTC)


def _taking_part(initiative_id: int) -> Exists:
    return Exists(
        Participation.objects.filter(
            member=OuterRef("pk"), initiative_id=initiative_id, status=ParticipationStatus.ACTIVE
        )
    )


def _active_since(day: str) -> Exists:
    # Active means the member's own doing: a message we sent them is not.
    return Exists(Activity.objects.filter(member=OuterRef("pk"), origin=Origin.MEMBER, occurred_at__gte=start_of(day)))


def _days(what: "str | StrPromise") -> Callable[[Any], int]:
    def clean(value: Any) -> int:
        if type(value) is not int or not 1 <= value <= 3660:
            raise ValidationError(_("%(what)s: give a number of days from 1 to 3660.") % {"what": what})
        return value

    return clean


def _rated_a_red_flag_within(days: int) -> Exists:
    """Rated a red flag (or reported its outcomes, recorded as the same verb) in the last `days` days."""
    since = timezone.now() - timedelta(days=days)
    return Exists(
        Activity.objects.filter(
            member=OuterRef("pk"), verb=Verb.RED_FLAG_RATED, origin=Origin.MEMBER, occurred_at__gte=since
        )
    )


def _used_a_red_flag_within(days: int) -> Exists:
    """Rated a red flag or opened a red flag's page (`resource_viewed` on a red flag, recorded by the red flag's
    page once a day) in the last `days` days."""
    since = timezone.now() - timedelta(days=days)
    viewed = Q(verb=Verb.RESOURCE_VIEWED, subject_type=ContentType.objects.get_for_model(RedFlag))
    return Exists(
        Activity.objects.filter(member=OuterRef("pk"), origin=Origin.MEMBER, occurred_at__gte=since).filter(
            Q(verb=Verb.RED_FLAG_RATED) | viewed
        )
    )


def _organisation_reported_outcomes_within(days: int) -> Exists:
    since = timezone.localdate() - timedelta(days=days)
    return Exists(OutcomeReport.objects.filter(organisation=OuterRef("organisation"), created_at__date__gte=since))


def _active_before(day: str) -> Q:
    """Last active before the day: some act of their own, none since."""
    earlier = Exists(
        Activity.objects.filter(member=OuterRef("pk"), origin=Origin.MEMBER, occurred_at__lt=start_of(day))
    )
    return Q(earlier) & ~Q(_active_since(day))


RULE_FIELDS: dict[str, RuleField] = {
    "sector": RuleField(
        gettext_lazy("Sector"),
        _choices(lambda: set(Sector.values), gettext_lazy("Sector")),
        lambda v: Q(organisation__sector__in=v),
    ),
    "country": RuleField(
        gettext_lazy("Country"),
        _choices(lambda: {code for code, _ in countries}, gettext_lazy("Country")),
        lambda v: Q(organisation__country__in=v),
    ),
    "persona": RuleField(
        gettext_lazy("Persona"), _ids(Persona, gettext_lazy("Persona")), lambda v: Q(persona_id__in=v)
    ),
    # The stage the nightly scoring job last wrote; a member it has not scored yet has no stage and matches none.
    # Stored values ("pending") are shown to staff by their names ("Not yet activated"), as on the dashboards.
    "stage": RuleField(
        gettext_lazy("Lifecycle stage"),
        _choices(lambda: set(LifecycleStage.values), gettext_lazy("Lifecycle stage"), stage_name),
        lambda v: Q(engagement__stage__in=v),
        names=stage_name,
    ),
    "organisation": RuleField(
        gettext_lazy("Organisation"),
        _ids(Organisation, gettext_lazy("Organisation")),
        lambda v: Q(organisation_id__in=v),
    ),
    "in_initiative": RuleField(gettext_lazy("Taking part in initiative"), _initiative, lambda v: Q(_taking_part(v))),
    "not_in_initiative": RuleField(
        gettext_lazy("Not taking part in initiative"), _initiative, lambda v: ~Q(_taking_part(v))
    ),
    "joined_after": RuleField(gettext_lazy("Joined on or after"), _date, lambda v: Q(created_at__gte=start_of(v))),
    "joined_before": RuleField(gettext_lazy("Joined before"), _date, lambda v: Q(created_at__lt=start_of(v))),
    "active_after": RuleField(gettext_lazy("Last active on or after"), _date, lambda v: Q(_active_since(v))),
    "active_before": RuleField(gettext_lazy("Last active before"), _date, _active_before),
    # The quarterly outcome invitation: members who used the red-flag library lately (rated a red flag, or
    # opened one's page), whose organisation has not reported outcomes lately.
    "rated_red_flag_within_days": RuleField(
        gettext_lazy("Rated a red flag within the last … days"),
        _days(gettext_lazy("Rated a red flag")),
        lambda v: Q(_rated_a_red_flag_within(v)),
    ),
    "used_red_flag_within_days": RuleField(
        gettext_lazy("Rated or viewed a red flag within the last … days"),
        _days(gettext_lazy("Rated or viewed a red flag")),
        lambda v: Q(_used_a_red_flag_within(v)),
    ),
    "organisation_reported_outcomes_within_days": RuleField(
        gettext_lazy("Organisation reported outcomes within the last … days"),
        _days(gettext_lazy("Organisation reported outcomes")),
        lambda v: Q(_organisation_reported_outcomes_within(v)),
    ),
    "organisation_not_reported_outcomes_within_days": RuleField(
        gettext_lazy("Organisation has not reported outcomes within the last … days"),
        _days(gettext_lazy("Organisation has not reported outcomes")),
        lambda v: ~Q(_organisation_reported_outcomes_within(v)),
    ),
    "consent_email": RuleField(
        gettext_lazy("Agrees to e-mail"), _boolean(gettext_lazy("E-mail consent")), lambda v: Q(consent_email=v)
    ),
    # Consent carried over from before it was recorded: the members to ask again.
    "consent_unrecorded": RuleField(
        gettext_lazy("E-mail consent unrecorded"),
        _boolean(gettext_lazy("E-mail consent unrecorded")),
        lambda v: consent_unrecorded() if v else ~consent_unrecorded(),
    ),
}


def validate_rules(rules: Any) -> list[dict[str, Any]]:
    """The rules in canonical form; every problem is reported at once, naming the rule."""
    if not isinstance(rules, list):
        raise ValidationError({"rules": _('Rules are a list, e.g. [{"field": "sector", "value": ["ngo"]}].')})
    cleaned, errors = [], []
    for number, rule in enumerate(rules, start=1):
        if not isinstance(rule, dict) or set(rule) != {"field", "value"}:
            errors.append(f'Rule {number}: write it as {{"field": …, "value": …}}.')
            continue
        field = RULE_FIELDS.get(rule["field"]) if isinstance(rule["field"], str) else None
        if field is None:
            known = ", ".join(RULE_FIELDS)
            errors.append(f"Rule {number}: unknown field {rule['field']!r} (known fields: {known}).")
            continue
        try:
            cleaned.append({"field": rule["field"], "value": field.clean(rule["value"])})
        except ValidationError as error:
            errors.append(f"Rule {number}: {' '.join(error.messages)}")
    if errors:
        raise ValidationError({"rules": errors})
    return cleaned


def describe_rules(rules: list[dict[str, Any]]) -> list[str]:
    """Valid rules in words, stored values by their names (a stage "pending" reads "Not yet activated")."""
    return [RULE_FIELDS[rule["field"]].describe(rule["value"]) for rule in validate_rules(rules)]


def segment_members(rules: list[dict[str, Any]]) -> MemberQuerySet:
    """Every member the rules match, whatever their status (the engine suppresses those it must not contact)."""
    query = Q()
    for rule in validate_rules(rules):
        query &= RULE_FIELDS[rule["field"]].to_q(rule["value"])
    return Member.objects.filter(query)


def segment_preview(rules: list[dict[str, Any]], *, sample_size: int = 10) -> tuple[int, list[Member]]:
    """The live count of approved members and a sample of them, for staff before they save."""
    members = segment_members(rules).approved()
    sample = list(members.select_related("user", "organisation").order_by("-created_at")[:sample_size])
    return members.count(), sample
