import pytest

from core.demo_files import demo_csv_rows
from ecosystem import demo
from ecosystem.models import (
    Actor,
    FinancialFlow,
    MapState,
    RedFlag,
    SourceKind,
    Stage,
    Suggestion,
    TraffickingCategory,
)
from members import demo as members_demo

pytestmark = pytest.mark.django_db


def test_demo_loads_the_imb_map_and_the_catalogue_once():
    members_demo.seed()
    demo.seed()
    demo.seed()
    imb = TraffickingCategory.objects.get(slug=demo.IMB_SLUG)
    assert TraffickingCategory.objects.count() == 25
    assert set(TraffickingCategory.objects.values_list("status", flat=True)) == {"mapped", "in_progress", "not_started"}
    assert list(Stage.objects.filter(category=imb).values_list("name", flat=True)) == [
        "Recruitment",
        "Transport",
        "Exploitation",
        "Revenue",
        "Laundering",
    ]
    assert Actor.objects.filter(category=imb).count() == 10
    assert FinancialFlow.objects.filter(category=imb).count() == 6
    published = RedFlag.objects.published().filter(category=imb)
    assert published.count() == sum(row["category"] == imb.slug for row in demo_csv_rows("ecosystem/red_flags.csv"))
    assert imb.mapping.state == MapState.PUBLISHED
    assert len({panelist.sector for panelist in imb.mapping.panel.all()}) == 2
    assert all(flag.observers.exists() for flag in published)
    assert set(published.values_list("jurisdiction", flat=True)) == {"United States"}  # as FinCEN speaks for


def test_every_demo_red_flag_cites_a_located_verbatim_passage():
    members_demo.seed()
    demo.seed()
    flags = RedFlag.objects.prefetch_related("citations__source")
    assert flags.exists()
    for flag in flags:
        citations = list(flag.citations.all())
        assert citations, flag
        for citation in citations:
            assert citation.locator.strip(), flag
            assert citation.quote.strip(), flag
            assert citation.source.kind != SourceKind.MEMBER_EVIDENCE or flag.review_state == "draft", flag
    assert Suggestion.objects.count() == 3
    assert set(Suggestion.objects.values_list("status", flat=True)) == {"pending", "accepted", "rejected"}
