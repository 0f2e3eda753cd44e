"""Staff pages of the map itself: categories with their stages, actors and flows inline."""

from typing import Any

from django.contrib import admin
from django.db.models import ForeignKey
from django.forms import ModelChoiceField
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from ecosystem.models import (
    Actor,
    FinancialFlow,
    Stage,
    TraffickingCategory,
)


def _category_being_edited(request: HttpRequest) -> str | None:
    """The id of the category whose change page holds this inline, so its choices stay in that category."""
    match = request.resolver_match
    return match.kwargs.get("object_id") if match is not None else None


class SameCategoryInlineMixin:
    """Offers only the stages and actors of the category being edited (the models refuse others anyway)."""

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        category_id = _category_being_edited(request)
        model = {"stage": Stage, "from_actor": Actor, "to_actor": Actor}.get(db_field.name)
        if category_id is not None and model is not None:
            kwargs["queryset"] = model._default_manager.filter(category_id=category_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class StageInline(admin.TabularInline[Stage, TraffickingCategory]):
    model = Stage
    extra = 0
    fields = ["order", "name", "description"]


class ActorInline(SameCategoryInlineMixin, admin.TabularInline[Actor, TraffickingCategory]):
    model = Actor
    extra = 0
    fields = ["name", "kind", "stage", "description"]


class FinancialFlowInline(SameCategoryInlineMixin, admin.TabularInline[FinancialFlow, TraffickingCategory]):
    model = FinancialFlow
    extra = 0
    fields = ["label", "from_actor", "to_actor", "instrument", "direction", "stage", "typical_pattern"]


@admin.register(TraffickingCategory)
class TraffickingCategoryAdmin(SimpleHistoryAdmin):
    list_display = ["name", "status", "order"]
    list_editable = ["order"]
    list_filter = ["status"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StageInline, ActorInline, FinancialFlowInline]


@admin.register(Stage)
class StageAdmin(SimpleHistoryAdmin):
    list_display = ["name", "category", "order"]
    list_filter = ["category"]
    list_select_related = ["category"]
    search_fields = ["name", "category__name"]
    autocomplete_fields = ["category"]


@admin.register(Actor)
class ActorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "stage", "category"]
    list_filter = ["category", "kind"]
    list_select_related = ["category", "stage"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["category", "stage"]


@admin.register(FinancialFlow)
class FinancialFlowAdmin(SimpleHistoryAdmin):
    list_display = ["label", "from_actor", "to_actor", "instrument", "direction", "stage", "category"]
    list_filter = ["category", "instrument", "direction"]
    list_select_related = ["category", "from_actor", "to_actor", "stage"]
    search_fields = ["label", "typical_pattern", "from_actor__name", "to_actor__name"]
    autocomplete_fields = ["category", "from_actor", "to_actor", "stage"]
