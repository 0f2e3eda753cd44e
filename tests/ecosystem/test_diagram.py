from collections import Counter

from ecosystem.diagram import COLUMN_WIDTH, layout
from ecosystem.models import Actor, FinancialFlow, Stage


def small_map():
    stages = [Stage(pk=index, order=index, name=name) for index, name in enumerate(["Revenue", "Laundering"], 1)]
    actors = [
        Actor(pk=1, stage_id=1, name="Sex buyers"),
        Actor(pk=2, stage_id=1, name="Card processor or acquirer"),
        Actor(pk=3, stage_id=2, name="Nominee owners and shell companies"),
        Actor(pk=4, stage_id=2, name="Funnel account holders"),
    ]
    by_pk = {actor.pk: actor for actor in actors}
    flows = [
        FinancialFlow(pk=1, from_actor=by_pk[1], to_actor=by_pk[2], label="Card takings", stage_id=1),
        FinancialFlow(pk=2, from_actor=by_pk[2], to_actor=by_pk[4], label="Settlements", stage_id=2),
        FinancialFlow(pk=3, from_actor=by_pk[3], to_actor=by_pk[1], label="Refunds", stage_id=2),
    ]
    counts = {"stage": Counter({1: 2}), "actor": Counter({2: 1}), "flow": Counter({1: 1})}
    return stages, actors, flows, counts


def test_actors_sit_in_their_stage_column_and_everything_fits_the_canvas():
    stages, actors, flows, counts = small_map()
    diagram = layout(stages=stages, actors=actors, flows=flows, counts=counts, selected=("actor", 2))
    columns = {column.stage.pk: column for column in diagram.columns}
    for node in diagram.nodes:
        column = columns[node.actor.stage_id]
        assert column.x <= node.x
        assert node.x + node.width <= column.x + COLUMN_WIDTH
        assert node.y + node.height <= diagram.height
    for arrow in diagram.arrows:
        assert 0 < arrow.label_x < diagram.width
        assert 0 < arrow.label_y < diagram.height
    assert [node.actor.pk for node in diagram.nodes if node.selected] == [2]
    assert {node.actor.pk: node.red_flag_count for node in diagram.nodes} == {1: 0, 2: 1, 3: 0, 4: 0}
    assert diagram.columns[0].red_flag_count == 2


def test_an_actor_moves_next_to_the_actor_it_trades_with():
    stages, actors, flows, counts = small_map()
    diagram = layout(stages=stages, actors=actors, flows=flows, counts=counts)
    laundering = [node.actor.name for node in diagram.nodes if node.actor.stage_id == 2]
    # Funnel accounts receive from the processor (second in Revenue); nominees send to the buyers (first).
    assert laundering == ["Nominee owners and shell companies", "Funnel account holders"]


def test_long_names_wrap_and_labels_never_share_a_spot():
    stages, actors, flows, counts = small_map()
    diagram = layout(stages=stages, actors=actors, flows=flows, counts=counts)
    nominees = next(node for node in diagram.nodes if node.actor.pk == 3)
    assert len(nominees.lines) > 1
    spots = [(arrow.label_x, arrow.label_y) for arrow in diagram.arrows]
    assert len(set(spots)) == len(spots)
