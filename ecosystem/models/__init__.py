"""The ecosystem map: trafficking categories, their stages, actors and financial flows, and the red flags
financial institutions and their partners can observe in them.

Every part of a map belongs to one category. Actors, flows and red flags store that category themselves,
so that `clean()` (called by every write path) can refuse a part of another category's map, and so that
PostgreSQL enforces it too with composite foreign keys on (part, category) (migration 0002).

A package by subject (map, red_flags, sources, indicator_sets, suggestions); the models stay importable from
`ecosystem.models`, where Django, the migrations and every caller look for them.
"""

from ecosystem.models.indicator_sets import IndicatorSet, IndicatorSetCitation, IndicatorSetFlag, IndicatorSetQuerySet
from ecosystem.models.map import (
    Actor,
    ActorKind,
    CategoryStatus,
    Direction,
    FinancialFlow,
    Instrument,
    Stage,
    TraffickingCategory,
)
from ecosystem.models.mapping import (
    MAP_TRANSITIONS,
    PANEL_MIN_SECTORS,
    CategoryMap,
    ContributorRole,
    MapComment,
    MapContributor,
    MapPanelist,
    MapRevision,
    MapState,
    PartCitation,
    RevisionKind,
)
from ecosystem.models.red_flags import (
    GLOBAL,
    Confidence,
    ObservingSector,
    RedFlag,
    RedFlagObserver,
    RedFlagQuerySet,
    RedFlagRating,
    RedFlagRevision,
    ReviewState,
    applies_in_q,
    in_stage_q,
)
from ecosystem.models.sources import Citation, Source, SourceKind
from ecosystem.models.suggestions import Suggestion, SuggestionKind, SuggestionQuerySet, SuggestionStatus

__all__ = [
    "GLOBAL",
    "MAP_TRANSITIONS",
    "PANEL_MIN_SECTORS",
    "Actor",
    "ActorKind",
    "CategoryMap",
    "CategoryStatus",
    "Citation",
    "Confidence",
    "ContributorRole",
    "Direction",
    "FinancialFlow",
    "IndicatorSet",
    "IndicatorSetCitation",
    "IndicatorSetFlag",
    "IndicatorSetQuerySet",
    "Instrument",
    "MapComment",
    "MapContributor",
    "MapPanelist",
    "MapRevision",
    "MapState",
    "ObservingSector",
    "PartCitation",
    "RedFlag",
    "RedFlagObserver",
    "RedFlagQuerySet",
    "RedFlagRating",
    "RedFlagRevision",
    "ReviewState",
    "RevisionKind",
    "Source",
    "SourceKind",
    "Stage",
    "Suggestion",
    "SuggestionKind",
    "SuggestionQuerySet",
    "SuggestionStatus",
    "TraffickingCategory",
    "applies_in_q",
    "in_stage_q",
]
