"""The quick emptying after a transactional test (tests/emptying.py) leaves the database `flush` leaves."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from members.models import Verb
from members.roles import MEMBER_ROLE
from tests.emptying import empty_database
from tests.engagement.factories import activity
from tests.members.factories import MemberFactory, OrganisationFactory, staff_user

pytestmark = [pytest.mark.postgresql_only, pytest.mark.django_db(transaction=True)]


def what_is_left() -> dict[str, object]:
    """Every table's row count, and what `post_migrate` writes by natural keys (its ids differ from run to run)."""
    return {
        "rows": {
            model._meta.db_table: model._default_manager.count() for model in apps.get_models(include_auto_created=True)
        },
        "content types": set(ContentType.objects.values_list("app_label", "model")),
        "permissions": set(Permission.objects.values_list("content_type__app_label", "codename", "name")),
        "roles": {
            group.name: set(group.permissions.values_list("content_type__app_label", "codename"))
            for group in Group.objects.all()
        },
    }


def write_a_little_of_everything() -> None:
    """Rows in the apps' tables, the append-only activity log, and changes to what `post_migrate` writes."""
    member = MemberFactory.create(organisation=OrganisationFactory.create())
    activity(member, Verb.LOGGED_IN, member.created_at)
    staff_user(email="emptying@knoble.example")
    Group.objects.get(name=MEMBER_ROLE).permissions.clear()
    Group.objects.create(name="Made by a test")
    Permission.objects.filter(codename="view_member").delete()


def test_emptying_leaves_what_flush_leaves():
    write_a_little_of_everything()
    empty_database()  # the first time in a run, it writes what `post_migrate` writes and keeps it
    write_a_little_of_everything()
    empty_database()  # then it puts that back
    emptied = what_is_left()
    assert emptied["rows"]["members_activity"] == 0
    assert emptied["roles"][MEMBER_ROLE]
    assert "Made by a test" not in emptied["roles"]

    write_a_little_of_everything()
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False)
    assert what_is_left() == emptied
