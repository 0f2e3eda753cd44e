"""Upgrade tests migrate a populated database from an old release forward."""

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets: list[tuple[str, str]] | None = None) -> Apps:
    """To the targets, or (None) to the latest migrations, where the tests after an upgrade test expect the
    schema; returns the models as they are at the targets."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps
