"""seed_demo loads the demo files once: running it again adds no row to any table of the apps' data.

History tables are left out: adding an initiative's stages, red flags and personas again records history
rows even when nothing changes (django-simple-history's m2m tracking), as it did before the demo data
became files."""

import pytest
from django.apps import apps
from django.core.management import call_command

pytestmark = pytest.mark.django_db

APPS = ("personas", "members", "roadmap", "ecosystem", "initiatives")


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for app in APPS
        for model in apps.get_app_config(app).get_models()
        if not model.__name__.startswith("Historical")
    }


def test_seed_demo_twice_leaves_the_same_rows(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the demo logins; speed only
    call_command("seed_demo", stdout=None)
    first = row_counts()
    call_command("seed_demo", stdout=None)
    assert row_counts() == first
    assert first["personas.Persona"] == 6
    assert first["personas.JobToBeDone"] == 22
    assert first["ecosystem.RedFlag"] == 4
    assert first["ecosystem.TraffickingCategory"] == 25
    assert first["roadmap.Opportunity"] == 26
    assert first["initiatives.Initiative"] == 12
    assert first["members.Organisation"] == 15
