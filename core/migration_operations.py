"""Migration operations of our own."""

from typing import Any

from django.db.migrations.operations.base import Operation
from django.db.migrations.operations.fields import FieldOperation
from django.db.migrations.operations.models import ModelOptionOperation
from django.db.migrations.state import ProjectState


class NamesOnly(Operation):
    """Field and model options that no database stores (verbose names), changed for many fields at once.

    Each AlterField or AlterModelOptions on its own re-renders its models in the migration state; a few hundred
    of them made every `migrate` (and so every test database) over a minute slower. Applied together, the
    models they touch are rendered again once. The database is never touched, forwards or backwards."""

    reduces_to_sql = False
    reversible = True

    def __init__(self, operations: list[Operation]) -> None:
        self.operations = operations

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__name__, [], {"operations": self.operations}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        rendered = state.__dict__.pop("apps", None)
        try:
            for operation in self.operations:
                operation.state_forwards(app_label, state)
        finally:
            if rendered is not None:
                state.__dict__["apps"] = rendered
        models = {(app_label, _model_name_lower(operation)) for operation in self.operations}
        state.reload_models(sorted(models), delay=False)

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        pass

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        pass

    def describe(self) -> str:
        return f"Names of {len(self.operations)} fields and models (no database change)"


def _model_name_lower(operation: Operation) -> str:
    if isinstance(operation, FieldOperation):
        return operation.model_name_lower
    if isinstance(operation, ModelOptionOperation):
        return operation.name_lower
    raise TypeError(f"{type(operation).__name__} changes more than names")
