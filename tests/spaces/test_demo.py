import pytest
from django.core.management import call_command

from initiatives.models import Attendance
from spaces.models import ActionItem, Document, Post, SessionNotes, Thread

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_one_space_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")
    counts = [model.objects.count() for model in (Thread, Post, Document, SessionNotes, ActionItem, Attendance)]
    call_command("seed_demo")
    assert [model.objects.count() for model in (Thread, Post, Document, SessionNotes, ActionItem, Attendance)] == counts
    assert counts[:5] == [2, 4, 1, 1, 2]
    authors = Post.objects.values_list("author__organisation__sector", flat=True).distinct()
    assert len(set(authors)) == 2
