"""Staff pages of the map itself: categories with their stages, actors and flows inline.

Once a category is being mapped, its parts change under the workflow's rules here too: only its owner and
contributors, only while the map is editable, and every save through the inlines is kept as a map revision
(`ecosystem.mapping.map_admin_save`). The parts' own admin pages are read-only and point to the editor.
"""

from typing import Any

from django.contrib import admin
from django.db.models import ForeignKey
from django.forms import BaseInlineFormSet, ModelChoiceField, ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from ecosystem.mapping import map_admin_may_edit, map_admin_save
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


class MapWorkflowInlineMixin:
    """Read-only where the editor's rules would refuse the change (not the map's owner or a contributor, or the
    map in expert review or published)."""

    def _may_edit(self, request: HttpRequest, obj: Any) -> bool:
        return obj is None or map_admin_may_edit(obj, request.user)  # type: ignore[arg-type]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request, obj) and super().has_add_permission(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request, obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request, obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class StageInline(MapWorkflowInlineMixin, admin.TabularInline[Stage, TraffickingCategory]):
    model = Stage
    extra = 0
    fields = ["order", "name", "description"]


class ActorInline(MapWorkflowInlineMixin, SameCategoryInlineMixin, admin.TabularInline[Actor, TraffickingCategory]):
    model = Actor
    extra = 0
    fields = ["name", "kind", "stage", "description"]


class FinancialFlowInline(
    MapWorkflowInlineMixin, SameCategoryInlineMixin, admin.TabularInline[FinancialFlow, TraffickingCategory]
):
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
    readonly_fields = ["map_editor"]

    @admin.display(description=gettext_lazy("Map editor"))
    def map_editor(self, obj: TraffickingCategory) -> str:
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("ecosystem:map_editor", args=[obj.slug]),
            gettext_lazy("Edit the map in the editor (with its preview, undo and review)"),
        )

    def save_related(
        self, request: HttpRequest, form: ModelForm[Any], formsets: list[BaseInlineFormSet[Any, Any, Any]], change: bool
    ) -> None:
        """The inlines' changes go through the workflow's service: kept as a revision of the map."""
        save = super().save_related
        if not any(formset.has_changed() for formset in formsets):
            save(request, form, formsets, change)
            return
        map_admin_save(category=form.instance, by=request.user, save=lambda: save(request, form, formsets, change))  # type: ignore[arg-type]


class MapPartAdminMixin:
    """A stage, actor or flow is changed in the editor or on its category's admin page, where the change is
    kept as a revision of the map; its own admin page only shows it."""

    readonly_fields = ["where_to_edit"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("Where to edit"))
    def where_to_edit(self, obj: Stage | Actor | FinancialFlow) -> str:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("ecosystem:map_editor", args=[obj.category.slug]),
            gettext_lazy("Map editor"),
            reverse("admin:ecosystem_traffickingcategory_change", args=[obj.category_id]),
            gettext_lazy("The category's admin page"),
        )


@admin.register(Stage)
class StageAdmin(MapPartAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "category", "order"]
    list_filter = ["category"]
    list_select_related = ["category"]
    search_fields = ["name", "category__name"]
    autocomplete_fields = ["category"]


@admin.register(Actor)
class ActorAdmin(MapPartAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "stage", "category"]
    list_filter = ["category", "kind"]
    list_select_related = ["category", "stage"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["category", "stage"]


@admin.register(FinancialFlow)
class FinancialFlowAdmin(MapPartAdminMixin, SimpleHistoryAdmin):
    list_display = ["label", "from_actor", "to_actor", "instrument", "direction", "stage", "category"]
    list_filter = ["category", "instrument", "direction"]
    list_select_related = ["category", "from_actor", "to_actor", "stage"]
    search_fields = ["label", "typical_pattern", "from_actor__name", "to_actor__name"]
    autocomplete_fields = ["category", "from_actor", "to_actor", "stage"]
