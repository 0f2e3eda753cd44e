"""Red flags as CSV: the members' export and the staff's import/export share one format, a `CsvFormat` of the
framework in `core.csv_io`.

Parts of the map are named, not numbered: `category` is the category's slug; exactly one of `stage`,
`actor` and `flow` names the stage, actor or flow (its label) the flag is attached to. `observed_by` and
`personas` are lists separated by semicolons; `jurisdiction` is where the flag applies (“global” when
empty) and `threshold` any reporting threshold it assumes. Each red flag's citations are in `source` (the source's key,
see the Sources admin), `locator` and `quote` (the verbatim passage); a flag citing several passages
lists them in the same order in the three columns, separated by ` || `. An import is all-or-nothing:
every bad row is reported with its line and reason, and a file with any bad row imports nothing. New flags are
drafts; a row changing a published flag changes its pending draft, which needs a second staff member's
verification before it replaces the published text.
"""

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.csv_io import CsvFormat, ImportResult, PlannedRow, RowError, RowPlanner, csv_import, write_csv
from ecosystem.models import (
    GLOBAL,
    Actor,
    Confidence,
    FinancialFlow,
    IndicatorSet,
    ObservingSector,
    RedFlag,
    Source,
    Stage,
    TraffickingCategory,
)
from ecosystem.services import (
    CitationInput,
    indicator_set_check,
    indicator_set_create,
    indicator_set_update,
    red_flag_create,
    red_flag_update,
)
from members.models import User
from personas.models import Persona
from sharing.models import label_lines_strip

COLUMNS = (
    "id",
    "category",
    "stage",
    "actor",
    "flow",
    "indicator",
    "detail",
    "observed_by",
    "personas",
    "source",
    "locator",
    "quote",
    "confidence",
    "jurisdiction",
    "threshold",
    "review_state",
    "version",
)
REQUIRED_COLUMNS = ("category", "indicator", "source", "locator", "quote")
CITATION_SEPARATOR = " || "


def red_flag_rows(red_flags: Iterable[RedFlag]) -> Iterator[dict[str, Any]]:
    """One row per red flag; the red flags need their parts, observers, personas and citations loaded."""
    for red_flag in red_flags:
        citations = list(red_flag.citations.all())
        yield {
            "id": red_flag.pk,
            "category": red_flag.category.slug,
            "stage": red_flag.stage.name if red_flag.stage else "",
            "actor": red_flag.actor.name if red_flag.actor else "",
            "flow": red_flag.flow.label if red_flag.flow else "",
            "indicator": red_flag.indicator,
            "detail": red_flag.detail,
            "observed_by": "; ".join(observer.sector for observer in red_flag.observers.all()),
            "personas": "; ".join(persona.name for persona in red_flag.personas.all()),
            "source": CITATION_SEPARATOR.join(citation.source.key for citation in citations),
            "locator": CITATION_SEPARATOR.join(citation.locator for citation in citations),
            "quote": CITATION_SEPARATOR.join(citation.quote for citation in citations),
            "confidence": red_flag.confidence,
            "jurisdiction": red_flag.jurisdiction,
            "threshold": red_flag.threshold,
            "review_state": red_flag.review_state,
            "version": red_flag.version,
        }


def write_red_flags_csv(red_flags: Iterable[RedFlag], stream: IO[str] | Any) -> None:
    write_csv(columns=COLUMNS, rows=red_flag_rows(red_flags), stream=stream)


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(";") if item.strip()]


class _Lookups:
    """Every name an import may refer to, read once, so a thousand rows cost a handful of queries."""

    def __init__(self) -> None:
        self.categories = {category.slug: category for category in TraffickingCategory.objects.all()}
        self.stages = {(stage.category_id, stage.name): stage for stage in Stage.objects.all()}
        self.actors = {(actor.category_id, actor.name): actor for actor in Actor.objects.all()}
        self.flows = {(flow.category_id, flow.label): flow for flow in FinancialFlow.objects.all()}
        self.personas = {persona.name: persona for persona in Persona.objects.all()}
        self.sources = {source.key: source for source in Source.objects.all()}


def _parse_citations(row: dict[str, str], lookups: _Lookups) -> list[CitationInput]:
    keys, locators, quotes = (
        row.get(column, "").split(CITATION_SEPARATOR) for column in ("source", "locator", "quote")
    )
    if not len(keys) == len(locators) == len(quotes):
        raise ValidationError(
            _("source, locator and quote must list as many citations each, separated by “%(separator)s”")
            % {"separator": CITATION_SEPARATOR.strip()}
        )
    citations = []
    for key, locator, quote in zip(keys, locators, quotes, strict=True):
        key, locator, quote = key.strip(), locator.strip(), quote.strip()
        if not key:
            raise ValidationError(_("the source is empty: every red flag cites a source by its key"))
        if key not in lookups.sources:
            raise ValidationError(_("unknown source %(key)r (add it under Sources first)") % {"key": key})
        if not locator:
            raise ValidationError(
                _("the locator of %(key)s is empty: say where in the source the passage is") % {"key": key}
            )
        if not quote:
            raise ValidationError(_("the quote of %(key)s is empty: copy the passage verbatim") % {"key": key})
        citations.append(CitationInput(source=lookups.sources[key], locator=locator, quote=quote))
    return citations


def _parse_row(row: dict[str, str], lookups: _Lookups, existing: dict[int, RedFlag]) -> dict[str, Any]:
    """The keyword arguments of the red flag this row describes; raises ValidationError with the reason."""
    category = lookups.categories.get(row["category"])
    if category is None:
        raise ValidationError(_("unknown category %(category)s (use its slug)") % {"category": repr(row["category"])})
    parts: dict[str, Any] = {"stage": None, "actor": None, "flow": None}
    for column, table in (("stage", lookups.stages), ("actor", lookups.actors), ("flow", lookups.flows)):
        if name := row.get(column, ""):
            parts[column] = table.get((category.pk, name))
            if parts[column] is None:
                raise ValidationError(
                    _("%(category)s has no %(column)s named %(value)s")
                    % {"category": category, "column": column, "value": repr(name)}
                )
    if sum(part is not None for part in parts.values()) != 1:
        raise ValidationError(_("name exactly one of stage, actor or flow"))
    sectors = _split(row.get("observed_by", ""))
    if unknown := set(sectors) - set(ObservingSector.values):
        raise ValidationError(
            _("unknown observed_by %(unknown)s (use %(ObservingSector)s)")
            % {"unknown": ", ".join(sorted(unknown)), "ObservingSector": ", ".join(ObservingSector)}
        )
    personas = []
    for name in _split(row.get("personas", "")):
        if name not in lookups.personas:
            raise ValidationError(_("unknown persona %(value)s") % {"value": repr(name)})
        personas.append(lookups.personas[name])
    confidence = row.get("confidence", "") or Confidence.MEDIUM
    if confidence not in Confidence.values:
        raise ValidationError(
            _("confidence must be one of %(Confidence)s") % {"Confidence": ", ".join(Confidence.values)}
        )
    if not row["indicator"]:
        raise ValidationError(_("the indicator is empty"))
    citations = _parse_citations(row, lookups)
    fields = {
        **parts,
        "indicator": row["indicator"],
        "detail": row.get("detail", ""),
        "confidence": confidence,
        "jurisdiction": row.get("jurisdiction", "") or GLOBAL,
        "threshold": row.get("threshold", ""),
    }
    if row.get("id"):
        if not row["id"].isdigit() or int(row["id"]) not in existing:
            raise ValidationError(
                _("no red flag with id %(id)s; leave id empty to add a new one") % {"id": repr(row["id"])}
            )
        # Check the row as the model would, before anything is written.
        candidate = existing[int(row["id"])]
        for name, value in fields.items():
            setattr(candidate, name, value)
        candidate.category = category
        candidate.full_clean()
    else:
        RedFlag(category=category, **fields).full_clean()
    return {
        "id": int(row["id"]) if row.get("id") else None,
        "fields": fields,
        "sectors": sectors,
        "personas": personas,
        "citations": citations,
    }


class RedFlagCsvFormat(CsvFormat):
    """Red flags through the ecosystem's services, with the importing staff member."""

    name = "red-flags"
    columns = COLUMNS
    optional_columns = tuple(column for column in COLUMNS if column not in REQUIRED_COLUMNS)
    empty_file_is_error = False

    def __init__(self, *, by: User) -> None:
        self.by = by

    def missing_columns_message(self, missing: Sequence[str]) -> str:
        return _("missing column(s): %(columns)s") % {"columns": ", ".join(sorted(missing))}

    def planner(self, rows: Sequence[dict[str, str]]) -> RowPlanner:
        lookups = _Lookups()
        existing = RedFlag.objects.in_bulk([int(row["id"]) for row in rows if row.get("id", "").isdigit()])

        def plan(row: dict[str, str], line: int) -> PlannedRow:
            item = _parse_row(row, lookups, existing)
            if item["id"] is None:
                return PlannedRow(
                    save=lambda: red_flag_create(
                        **item["fields"],
                        sectors=item["sectors"],
                        personas=item["personas"],
                        citations=item["citations"],
                    ),
                    is_update=False,
                )
            return PlannedRow(
                save=lambda: red_flag_update(
                    red_flag=existing[item["id"]],
                    fields=item["fields"],
                    sectors=item["sectors"],
                    personas=item["personas"],
                    citations=item["citations"],
                    by=self.by,
                ),
                is_update=True,
            )

        return plan


def labelled_csv_import(*, csv_format: CsvFormat, text: str, dry_run: bool = False) -> ImportResult:
    """`csv_import` of a file exported with its TLP label lines (`# TLP:…` at its head and end): the lines are
    skipped, and errors name the lines of the file as uploaded."""
    stripped, leading = label_lines_strip(text)
    result = csv_import(csv_format=csv_format, text=stripped, dry_run=dry_run)
    if not leading or not result.errors:
        return result
    errors = tuple(RowError(error.line + leading if error.line else 0, error.reason) for error in result.errors)
    return dataclasses.replace(result, errors=errors)


# Indicator sets: `red_flags` lists the red flags' ids separated by semicolons (the ids of this portal, as the
# red-flag export gives them); the citations are in `source`, `locator` and `quote` as for red flags.
# `review_state` and `label` of an export are ignored: a new set is a draft, a changed one goes back to draft,
# and staff choose the label on publishing.
INDICATOR_SET_COLUMNS = (
    "id",
    "category",
    "name",
    "rationale",
    "minimum",
    "red_flags",
    "source",
    "locator",
    "quote",
    "review_state",
    "label",
)
INDICATOR_SET_REQUIRED = ("category", "name", "rationale", "minimum", "red_flags", "source", "locator", "quote")


def indicator_set_rows(indicator_sets: Iterable[IndicatorSet]) -> Iterator[dict[str, Any]]:
    """One row per set; the sets need `members` and `citations__source` prefetched. `visible_red_flags`, when
    set (the members' export), lists only the red flags the reader may see."""
    for indicator_set in indicator_sets:
        citations = list(indicator_set.citations.all())
        flags = getattr(indicator_set, "visible_red_flags", None)
        flag_ids = [f.pk for f in flags] if flags is not None else [m.red_flag_id for m in indicator_set.members.all()]
        yield {
            "id": indicator_set.pk,
            "category": indicator_set.category.slug,
            "name": indicator_set.name,
            "rationale": indicator_set.rationale,
            "minimum": indicator_set.minimum,
            "red_flags": "; ".join(str(pk) for pk in sorted(flag_ids)),
            "source": CITATION_SEPARATOR.join(citation.source.key for citation in citations),
            "locator": CITATION_SEPARATOR.join(citation.locator for citation in citations),
            "quote": CITATION_SEPARATOR.join(citation.quote for citation in citations),
            "review_state": indicator_set.review_state,
            "label": indicator_set.label,
        }


def write_indicator_sets_csv(indicator_sets: Iterable[IndicatorSet], stream: IO[str] | Any) -> None:
    write_csv(columns=INDICATOR_SET_COLUMNS, rows=indicator_set_rows(indicator_sets), stream=stream)


class IndicatorSetCsvFormat(CsvFormat):
    """Indicator sets through the ecosystem's services, with the importing staff member."""

    name = "indicator-sets"
    columns = INDICATOR_SET_COLUMNS
    optional_columns = tuple(column for column in INDICATOR_SET_COLUMNS if column not in INDICATOR_SET_REQUIRED)
    empty_file_is_error = False

    def __init__(self, *, by: User) -> None:
        self.by = by

    def missing_columns_message(self, missing: Sequence[str]) -> str:
        return _("missing column(s): %(columns)s") % {"columns": ", ".join(sorted(missing))}

    def planner(self, rows: Sequence[dict[str, str]]) -> RowPlanner:
        lookups = _Lookups()
        ids = [int(pk) for row in rows for pk in _split(row.get("red_flags", "")) if pk.isdigit()]
        red_flags = RedFlag.objects.in_bulk(ids)
        existing = IndicatorSet.objects.in_bulk([int(row["id"]) for row in rows if row.get("id", "").isdigit()])

        def plan(row: dict[str, str], line: int) -> PlannedRow:
            category = lookups.categories.get(row["category"])
            if category is None:
                raise ValidationError(_("unknown category %(slug)r (use its slug)") % {"slug": row["category"]})
            if not row.get("minimum", "").isdigit():
                raise ValidationError(_("the minimum must be a whole number of at least 1"))
            flags = []
            for pk in _split(row.get("red_flags", "")):
                if not pk.isdigit() or int(pk) not in red_flags:
                    raise ValidationError(_("no red flag with id %(id)r") % {"id": pk})
                flags.append(red_flags[int(pk)])
            citations = _parse_citations(row, lookups)
            minimum = int(row["minimum"])
            if row.get("id"):
                if not row["id"].isdigit() or int(row["id"]) not in existing:
                    raise ValidationError(
                        _("no indicator set with id %(id)r; leave id empty to add a new one") % {"id": row["id"]}
                    )
                target = existing[int(row["id"])]
                if target.category_id != category.pk:
                    raise ValidationError(_("an indicator set cannot move to another category"))
                indicator_set_check(category=category, minimum=minimum, red_flags=flags)
                fields = {"name": row["name"], "rationale": row["rationale"], "minimum": minimum}
                return PlannedRow(
                    save=lambda: indicator_set_update(
                        indicator_set=target, fields=fields, red_flags=flags, citations=citations, by=self.by
                    ),
                    is_update=True,
                )
            indicator_set_check(category=category, minimum=minimum, red_flags=flags)
            IndicatorSet(category=category, name=row["name"], rationale=row["rationale"], minimum=minimum).full_clean(
                validate_unique=False
            )
            return PlannedRow(
                save=lambda: indicator_set_create(
                    category=category,
                    name=row["name"],
                    rationale=row["rationale"],
                    minimum=minimum,
                    red_flags=flags,
                    citations=citations,
                ),
                is_update=False,
            )

        return plan
