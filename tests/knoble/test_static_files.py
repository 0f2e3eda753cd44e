"""Static files as production serves them: collected with hashed names, served by whitenoise from the app."""

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

ONE_YEAR = 365 * 24 * 60 * 60


def production_storage(root):
    """Hashed, compressed names over the project's own static/ folder (the apps' files add nothing here)."""
    return override_settings(
        DEBUG=False,
        STATIC_ROOT=str(root),
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        },
    )


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    with production_storage(root):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def collected(static_root):
    with production_storage(static_root):
        yield static_root


def test_hashed_static_files_are_cached_for_a_year_and_marked_immutable(collected):
    url = staticfiles_storage.url("css/site.css")
    assert url != "/static/css/site.css", "the manifest storage gives the file a content hash"
    response = Client().get(url, secure=True)
    assert response.status_code == 200
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert "immutable" in cache_control
    assert "public" in cache_control
    max_age = next(int(part.split("=")[1]) for part in cache_control if part.startswith("max-age="))
    assert max_age >= ONE_YEAR


def test_compressed_copies_are_served_to_browsers_that_accept_them(collected):
    response = Client().get(staticfiles_storage.url("css/site.css"), secure=True, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]


def test_an_unhashed_name_is_cached_briefly_so_a_new_release_is_picked_up(collected):
    response = Client().get("/static/css/site.css", secure=True)
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=60, public"
