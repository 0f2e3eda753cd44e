from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.forms import BaseInlineFormSet, ModelForm, ModelMultipleChoiceField
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext, gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin
from core.csv_io import CsvAdminMixin
from members.models import User
from roadmap import staff_views
from roadmap.csv_io import OPPORTUNITY_CSV, RATING_CSV
from roadmap.forms import HorizonForm, RoadmapItemForm
from roadmap.models import (
    Criterion,
    Horizon,
    IdeationSession,
    Opportunity,
    PrioritisationModel,
    Rating,
    Roadmap,
    RoadmapItem,
    RoadmapRevision,
)
from roadmap.services import create_default_horizons, horizon_update
from roadmap.validation import horizon_for_month


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


class OpportunityInline(admin.TabularInline[Opportunity, IdeationSession]):
    model = Opportunity
    fields = ["title", "status", "effort_weeks", "owner"]
    autocomplete_fields = ["owner"]
    show_change_link = True
    extra = 0


@admin.register(IdeationSession)
class IdeationSessionAdmin(SimpleHistoryAdmin):
    list_display = ["title", "held_on", "facilitator", "opportunity_count"]
    list_filter = ["held_on", "personas"]
    list_select_related = ["facilitator"]
    search_fields = ["title", "notes"]
    autocomplete_fields = ["facilitator", "personas"]
    date_hierarchy = "held_on"
    inlines = [OpportunityInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[IdeationSession]:
        return super().get_queryset(request).annotate(opportunity_count=Count("opportunities"))

    @admin.display(description=gettext_lazy("opportunities"), ordering="opportunity_count")
    def opportunity_count(self, obj: Any) -> int:
        return int(obj.opportunity_count)


class RatingInline(admin.TabularInline[Rating, Opportunity]):
    model = Rating
    fields = ["criterion", "value", "rated_by", "rated_at"]
    readonly_fields = ["rated_by", "rated_at"]
    autocomplete_fields = ["criterion"]
    extra = 1


@admin.register(Opportunity)
class OpportunityAdmin(CsvAdminMixin, SimpleHistoryAdmin):
    csv_format = OPPORTUNITY_CSV
    list_display = ["title", "session", "status", "effort_weeks", "owner", "created_at"]
    list_filter = ["status", "session", "jobs__persona"]
    list_select_related = ["session", "owner"]
    search_fields = ["title", "description"]
    autocomplete_fields = ["session", "owner", "jobs", "depends_on"]
    inlines = [RatingInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for instance in formset.save(commit=False):
            if isinstance(instance, Rating):
                instance.rated_by = _user(request)
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


class CriterionInline(admin.TabularInline[Criterion, PrioritisationModel]):
    model = Criterion
    fields = ["position", "name", "weight", "direction", "scale_min", "scale_max", "role", "source"]
    extra = 1


@admin.register(PrioritisationModel)
class PrioritisationModelAdmin(SimpleHistoryAdmin):
    list_display = ["name", "formula", "criterion_count", "created_at"]
    list_filter = ["formula"]
    search_fields = ["name", "description"]
    inlines = [CriterionInline]
    change_form_template = "admin/roadmap/prioritisationmodel/change_form.html"
    change_list_template = "admin/roadmap/prioritisationmodel/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[PrioritisationModel]:
        return super().get_queryset(request).annotate(criterion_count=Count("criteria"))

    @admin.display(description=gettext_lazy("criteria"), ordering="criterion_count")
    def criterion_count(self, obj: Any) -> int:
        return int(obj.criterion_count)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("compare/", wrap(self.comparison_view), name="roadmap_prioritisationmodel_compare"),
            path("<int:pk>/ranking/", wrap(self.ranking_view), name="roadmap_prioritisationmodel_ranking"),
            path("<int:pk>/sensitivity/", wrap(self.sensitivity_view), name="roadmap_prioritisationmodel_sensitivity"),
            *super().get_urls(),
        ]

    def ranking_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return staff_views.ranking(request, model_admin=self, pk=pk)

    def sensitivity_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return staff_views.sensitivity_view(request, model_admin=self, pk=pk)

    def comparison_view(self, request: HttpRequest) -> HttpResponse:
        return staff_views.comparison(request, model_admin=self)


@admin.register(Criterion)
class CriterionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "model", "weight", "direction", "scale_min", "scale_max", "role", "source"]
    list_filter = ["model", "direction", "source"]
    list_select_related = ["model"]
    search_fields = ["name", "model__name"]


@admin.register(Rating)
class RatingAdmin(CsvAdminMixin, SimpleHistoryAdmin):
    csv_format = RATING_CSV
    list_display = ["opportunity", "criterion", "value", "rated_by", "rated_at"]
    list_filter = ["criterion__model", "criterion"]
    list_select_related = ["opportunity", "criterion__model", "rated_by"]
    search_fields = ["opportunity__title", "criterion__name"]
    autocomplete_fields = ["opportunity", "criterion"]
    readonly_fields = ["rated_by", "rated_at"]

    def save_model(self, request: HttpRequest, obj: Rating, form: Any, change: bool) -> None:
        obj.rated_by = _user(request)
        super().save_model(request, obj, form, change)


class HorizonInline(admin.TabularInline[Horizon, Roadmap]):
    """Read-only here: a horizon's months change on its own page, where the neighbours follow."""

    model = Horizon
    fields = ["name", "theme", "start_month", "end_month", "capacity_weeks"]
    readonly_fields = ["name", "theme", "start_month", "end_month", "capacity_weeks"]
    show_change_link = True
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ItemFormSet(BaseInlineFormSet[RoadmapItem, Roadmap, ModelForm[RoadmapItem]]):
    """Dependencies, where the form shows them, are chosen among the items of the same roadmap. The table's
    cells have no visible label of their own (the column heading is one): each control is named by its column
    and row, for screen readers."""

    def add_fields(self, form: ModelForm[RoadmapItem], index: int | None) -> None:
        super().add_fields(form, index)
        dependencies = form.fields.get("dependencies")
        if isinstance(dependencies, ModelMultipleChoiceField):
            dependencies.queryset = RoadmapItem.objects.filter(roadmap_id=self.instance.pk).select_related(
                "opportunity"
            )
        row = gettext("new item") if index is None else gettext("item %(number)d") % {"number": index + 1}
        for name, field in form.fields.items():
            label = gettext("Delete") if name == "DELETE" else field.label or name
            field.widget.attrs.setdefault("aria-label", f"{label}, {row}")


class RoadmapItemInline(admin.TabularInline[RoadmapItem, Roadmap]):
    """The items in one table that fits the screen: dependencies are edited on the item's own page (its
    "Change" link), with an autocomplete, and still hold when an item moves here."""

    model = RoadmapItem
    form = RoadmapItemForm
    formset = ItemFormSet
    fields = ["opportunity", "start_month", "end_month", "owner", "status"]
    autocomplete_fields = ["opportunity", "owner"]
    show_change_link = True
    extra = 0


@admin.register(Roadmap)
class RoadmapAdmin(SimpleHistoryAdmin):
    list_display = ["title", "first_month", "months", "published_at", "created_by"]
    list_filter = ["published_at"]
    list_select_related = ["created_by"]
    search_fields = ["title"]
    readonly_fields = ["created_by", "created_at", "published_at"]
    inlines = [HorizonInline, RoadmapItemInline]
    change_form_template = "admin/roadmap/roadmap/change_form.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The months are fixed once horizons exist; they were split from them.
        return [*self.readonly_fields, "months"] if obj else list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: Roadmap, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = _user(request)
        super().save_model(request, obj, form, change)
        if not change:
            create_default_horizons(roadmap=obj, by=_user(request))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is RoadmapItem:
            horizons = list(form.instance.horizons.all())
            for item_form in formset.forms:
                item = item_form.instance
                if item_form.has_changed() and item.start_month:
                    item.horizon = horizon_for_month(horizons, item.start_month)
        super().save_formset(request, form, formset, change)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/timeline/", wrap(self.timeline_view), name="roadmap_roadmap_timeline"),
            path(
                "<int:pk>/timeline/items/<int:item_pk>/move/",
                wrap(self.move_item_view),
                name="roadmap_roadmap_move_item",
            ),
            path("<int:pk>/plan/", wrap(self.plan_view), name="roadmap_roadmap_plan"),
            path("<int:pk>/publish/", wrap(self.publish_view), name="roadmap_roadmap_publish"),
            path("<int:pk>/revisions/diff/", wrap(self.diff_view), name="roadmap_roadmap_diff"),
            *super().get_urls(),
        ]

    def timeline_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return staff_views.timeline(request, model_admin=self, pk=pk)

    def move_item_view(self, request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
        return staff_views.move_item(request, model_admin=self, pk=pk, item_pk=item_pk)

    def plan_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return staff_views.plan(request, model_admin=self, pk=pk)

    def publish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return staff_views.publish(request, model_admin=self, pk=pk)

    def diff_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return staff_views.diff(request, model_admin=self, pk=pk)


@admin.register(Horizon)
class HorizonAdmin(SimpleHistoryAdmin):
    """Created with their roadmap and never deleted alone, so the horizons always cover it."""

    form = HorizonForm
    list_display = ["name", "roadmap", "start_month", "end_month", "capacity_weeks"]
    list_filter = ["roadmap"]
    list_select_related = ["roadmap"]
    search_fields = ["name", "theme", "roadmap__title"]
    readonly_fields = ["roadmap", "start_month"]
    fields = ["roadmap", "name", "theme", "start_month", "end_month", "capacity_weeks"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Horizon, form: Any, change: bool) -> None:
        data = form.cleaned_data
        horizon_update(
            horizon=obj,
            name=data["name"],
            theme=data["theme"],
            capacity_weeks=data["capacity_weeks"],
            end_month=data["end_month"],
        )


@admin.register(RoadmapItem)
class RoadmapItemAdmin(SimpleHistoryAdmin):
    form = RoadmapItemForm
    list_display = ["opportunity", "roadmap", "horizon", "start_month", "end_month", "status", "owner"]
    list_filter = ["roadmap", "status", "horizon"]
    list_select_related = ["opportunity", "roadmap", "horizon", "owner"]
    search_fields = ["opportunity__title", "roadmap__title"]
    autocomplete_fields = ["roadmap", "opportunity", "owner", "dependencies"]
    readonly_fields = ["horizon"]

    def save_model(self, request: HttpRequest, obj: RoadmapItem, form: Any, change: bool) -> None:
        obj.horizon = horizon_for_month(obj.roadmap.horizons.all(), obj.start_month)
        super().save_model(request, obj, form, change)


@admin.register(RoadmapRevision)
class RoadmapRevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[RoadmapRevision]):
    """Read-only: a revision is what was published; publishing is the only way to make one."""

    list_display = ["roadmap", "number", "published_at", "published_by", "note"]
    list_filter = ["roadmap"]
    list_select_related = ["roadmap", "published_by"]
    search_fields = ["roadmap__title", "note"]
    date_hierarchy = "published_at"
