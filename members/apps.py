from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles_after_migrate(**kwargs: Any) -> None:
    """Apps that land later bring new permissions; the roles pick them up on every migrate."""
    from django.contrib.auth.models import Group, Permission

    from members.roles import sync_roles

    sync_roles(group_model=Group, permission_model=Permission)


class MembersConfig(AppConfig):
    name = "members"

    def ready(self) -> None:
        from members import signals  # noqa: F401  (connects the login receiver)

        post_migrate.connect(_sync_roles_after_migrate, dispatch_uid="members.sync_roles")
