"""Upgrading a populated database: each free-text source becomes a Source record that its red flags cite, and
flags published before the second-reviewer rule stay public, marked as never verified."""

import pytest

from ecosystem.models import Citation, RedFlag, Source, SourceKind
from tests.migrating import migrate

BEFORE = [("ecosystem", "0002_same_category_foreign_keys")]


@pytest.mark.django_db(transaction=True)
def test_free_text_sources_become_records_cited_without_a_passage():
    old_apps = migrate(BEFORE)
    try:
        category = old_apps.get_model("ecosystem", "TraffickingCategory").objects.create(
            name="IMB", slug="imb", status="mapped", order=1
        )
        stage = old_apps.get_model("ecosystem", "Stage").objects.create(category=category, name="Revenue", order=1)
        old_flags = old_apps.get_model("ecosystem", "RedFlag").objects
        fincen = "FinCEN Advisory FIN-2014-A008, Financial Red Flags (11 September 2014)"
        first = old_flags.create(category=category, stage=stage, indicator="One", source=fincen)
        second = old_flags.create(
            category=category,
            stage=stage,
            indicator="Two",
            source=fincen,
            review_state="published",
            version=1,
            published_at="2026-01-01T00:00:00Z",
        )
        polaris = old_flags.create(
            category=category,
            stage=stage,
            indicator="Three",
            source="Polaris Project, a report",
            source_url="https://x.example",
        )
    finally:
        migrate()

    assert Source.objects.count() == 2
    advisory = Source.objects.get(title=fincen)
    assert (advisory.kind, advisory.issuer, advisory.jurisdiction) == (
        SourceKind.REGULATOR_ADVISORY,
        "FinCEN",
        "United States",
    )
    assert Source.objects.get(url="https://x.example").kind == SourceKind.NGO_REPORT
    assert set(Citation.objects.values_list("red_flag_id", "source__title")) == {
        (first.pk, fincen),
        (second.pk, fincen),
        (polaris.pk, "Polaris Project, a report"),
    }
    # No passage was named before: the citations wait for staff to locate and quote one.
    assert not any(citation.is_complete for citation in Citation.objects.all())
    assert RedFlag.objects.count() == 3
    assert list(RedFlag.objects.published().values_list("pk", "published_before_review", "verified_by")) == [
        (second.pk, True, None)
    ]
    # Where a flag applies comes from its source: FinCEN speaks for the United States.
    assert dict(RedFlag.objects.values_list("pk", "jurisdiction")) == {
        first.pk: "United States",
        second.pk: "United States",
        polaris.pk: "global",
    }
