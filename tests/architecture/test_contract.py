"""Every app of ours has a layer in the import-linter contract (pyproject.toml), so none escapes the check."""

from django.apps import apps as django_apps

from tests.architecture.layering import ROOT, apps, contract_config


def test_every_app_of_ours_has_a_layer():
    ours = {config.name for config in django_apps.get_app_configs() if (ROOT / config.name / "apps.py").exists()}
    assert ours == set(apps()), "give each app its layer in docs/ARCHITECTURE.md and in pyproject.toml"


def test_the_contract_checks_every_layered_app():
    assert set(contract_config()["root_packages"]) == set(apps())
