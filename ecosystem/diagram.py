"""Lays out a category's map for the server-drawn SVG: stages as columns, actors as boxes in their stage's
column, flows as labelled curves between boxes. Only geometry here; the template draws and labels it. The stages'
and actors' names are wrapped in the reader's language (`translations`), loaded here in one query per model for
the template's `translated` filter too."""

import textwrap
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from ecosystem.models import Actor, FinancialFlow, Stage
from translations.selectors import translated_text, translations_attach

MARGIN = 16
COLUMN_WIDTH = 168
COLUMN_GAP = 72
NODE_WIDTH = 148
LINE_HEIGHT = 16
NODE_PADDING = 10
NODE_GAP = 44
HEADER_HEIGHT = 64
CHARS_PER_LINE = 18
LABEL_HEIGHT = 15
LABEL_HALF_WIDTH = 60
LOOP_ROOM = 140


def wrap(text: str) -> list[str]:
    return textwrap.wrap(text, CHARS_PER_LINE) or [text]


@dataclass
class StageColumn:
    stage: Stage
    x: int
    width: int
    height: int
    lines: list[str]
    red_flag_count: int
    selected: bool

    @property
    def center_x(self) -> int:
        return self.x + self.width // 2


@dataclass
class ActorNode:
    actor: Actor
    x: int
    y: int
    width: int
    height: int
    lines: list[str]
    red_flag_count: int
    selected: bool

    @property
    def center_x(self) -> int:
        return self.x + self.width // 2

    @property
    def count_y(self) -> int:
        return self.y + NODE_PADDING + LINE_HEIGHT * (len(self.lines) + 1) - 2


@dataclass
class FlowArrow:
    flow: FinancialFlow
    path: str
    label_x: int
    label_y: int
    red_flag_count: int
    selected: bool


@dataclass
class MapDiagram:
    width: int
    height: int
    columns: list[StageColumn] = field(default_factory=list)
    nodes: list[ActorNode] = field(default_factory=list)
    arrows: list[FlowArrow] = field(default_factory=list)


def _column_order(stages: Sequence[Stage], actors: Sequence[Actor], flows: Sequence[FinancialFlow]) -> list[Actor]:
    """Orders each stage's actors by where the actors they trade with sit in the stages to their left
    (the barycentre heuristic), so fewer arrows cross; the first stage and unconnected actors keep their order."""
    neighbours: dict[int, list[int]] = {actor.pk: [] for actor in actors}
    for flow in flows:
        neighbours[flow.from_actor_id].append(flow.to_actor_id)
        neighbours[flow.to_actor_id].append(flow.from_actor_id)
    position: dict[int, float] = {}
    ordered: list[Actor] = []
    for stage in stages:
        column = [actor for actor in actors if actor.stage_id == stage.pk]

        def barycentre(index_actor: tuple[int, Actor]) -> float:
            index, actor = index_actor
            placed = [position[other] for other in neighbours[actor.pk] if other in position]
            return sum(placed) / len(placed) if placed else float(index)

        column = [actor for _index, actor in sorted(enumerate(column), key=barycentre)]
        position.update({actor.pk: float(index) for index, actor in enumerate(column)})
        ordered += column
    return ordered


def layout(
    *,
    stages: Sequence[Stage],
    actors: Sequence[Actor],
    flows: Sequence[FinancialFlow],
    counts: dict[str, Counter[int]],
    selected: tuple[str, int] | None = None,
) -> MapDiagram:
    # The flows point at the very stages and actors drawn, so that their names are read once, translated alike.
    stage_by_pk, actor_by_pk = {stage.pk: stage for stage in stages}, {actor.pk: actor for actor in actors}
    for flow in flows:
        if flow.stage_id in stage_by_pk:
            flow.stage = stage_by_pk[flow.stage_id]
        if flow.from_actor_id in actor_by_pk:
            flow.from_actor = actor_by_pk[flow.from_actor_id]
        if flow.to_actor_id in actor_by_pk:
            flow.to_actor = actor_by_pk[flow.to_actor_id]
    translations_attach([*stages, *actors])
    column_index = {stage.pk: index for index, stage in enumerate(stages)}
    columns = [
        StageColumn(
            stage=stage,
            x=MARGIN + index * (COLUMN_WIDTH + COLUMN_GAP),
            width=COLUMN_WIDTH,
            height=0,
            lines=wrap(translated_text(stage, "name")),
            red_flag_count=counts["stage"][stage.pk],
            selected=selected == ("stage", stage.pk),
        )
        for index, stage in enumerate(stages)
    ]
    next_y = [MARGIN + HEADER_HEIGHT + NODE_GAP // 2] * len(stages)
    nodes: dict[int, ActorNode] = {}
    for actor in _column_order(stages, actors, flows):
        index = column_index[actor.stage_id]
        lines = wrap(translated_text(actor, "name"))
        height = NODE_PADDING * 2 + LINE_HEIGHT * (len(lines) + 1)
        nodes[actor.pk] = ActorNode(
            actor=actor,
            x=columns[index].x + (COLUMN_WIDTH - NODE_WIDTH) // 2,
            y=next_y[index],
            width=NODE_WIDTH,
            height=height,
            lines=lines,
            red_flag_count=counts["actor"][actor.pk],
            selected=selected == ("actor", actor.pk),
        )
        next_y[index] += height + NODE_GAP
    height = max([*next_y, MARGIN + HEADER_HEIGHT + 2 * NODE_GAP]) + MARGIN
    for column in columns:
        column.height = height - 2 * MARGIN
    # Room on the right for the loops of flows within the last stage and their labels.
    width = MARGIN + len(stages) * COLUMN_WIDTH + max(len(stages) - 1, 0) * COLUMN_GAP + LOOP_ROOM
    diagram = MapDiagram(width=width, height=height, columns=columns, nodes=list(nodes.values()))
    labels: list[tuple[int, int]] = []
    gaps = [column.x + COLUMN_WIDTH + COLUMN_GAP // 2 for column in columns]
    for flow in flows:
        source, target = nodes[flow.from_actor_id], nodes[flow.to_actor_id]
        path, (label_x, label_y) = _curve(source, target, gaps)
        # Nudge a label down until it clears the labels already placed, so two arrows never share one spot.
        while any(abs(label_x - x) < 2 * LABEL_HALF_WIDTH and abs(label_y - y) < LABEL_HEIGHT for x, y in labels):
            label_y += LABEL_HEIGHT
        labels.append((label_x, label_y))
        diagram.arrows.append(
            FlowArrow(
                flow=flow,
                path=path,
                label_x=label_x,
                label_y=label_y,
                red_flag_count=counts["flow"][flow.pk],
                selected=selected == ("flow", flow.pk),
            )
        )
    return diagram


def _curve(source: ActorNode, target: ActorNode, gaps: list[int]) -> tuple[str, tuple[int, int]]:
    """A cubic Bézier from one box's side to another's, and where its label goes: on the curve, in the gap
    between two columns nearest to its middle, so that labels do not sit on the boxes."""
    y1, y2 = source.y + source.height // 2, target.y + target.height // 2
    if target.x > source.x:
        x1, x2, bend1, bend2 = source.x + source.width, target.x, 1, -1
    elif target.x < source.x:
        x1, x2, bend1, bend2 = source.x, target.x + target.width, -1, 1
    else:  # the same stage: loop out to the right of the column
        x1 = x2 = source.x + source.width
        bend1 = bend2 = 1
    reach = max(abs(x2 - x1) // 2, 48)
    c1x, c2x = x1 + bend1 * reach, x2 + bend2 * reach
    points = [_bezier(t / 40, (x1, y1), (c1x, y1), (c2x, y2), (x2, y2)) for t in range(41)]
    middle_x = points[20][0]
    between = [gap for gap in gaps if min(x1, x2) <= gap <= max(x1, x2)]
    if between:
        gap = min(between, key=lambda gap: abs(gap - middle_x))
        label = min(points, key=lambda point: abs(point[0] - gap))
    else:
        label = max(points, key=lambda point: point[0]) if x1 == x2 else points[20]
    return f"M{x1},{y1} C{c1x},{y1} {c2x},{y2} {x2},{y2}", (round(label[0]), round(label[1]) - 4)


def _bezier(
    t: float, p0: tuple[int, int], p1: tuple[int, int], p2: tuple[int, int], p3: tuple[int, int]
) -> tuple[float, float]:
    u = 1 - t
    return (
        u**3 * p0[0] + 3 * u**2 * t * p1[0] + 3 * u * t**2 * p2[0] + t**3 * p3[0],
        u**3 * p0[1] + 3 * u**2 * t * p1[1] + 3 * u * t**2 * p2[1] + t**3 * p3[1],
    )
