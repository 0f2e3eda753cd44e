"""The translators' queue: per language, the content members are shown with no translation or a stale one,
each with the English text's changes since it was translated (difflib), and the page to write or update it."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from core.admin import ReadOnlyAdminMixin
from translations.languages import target_languages
from translations.models import Translation
from translations.registry import translatable
from translations.selectors import source_diff, translation_of, translation_queue
from translations.services import translation_save


class TranslationForm(forms.Form):
    def __init__(self, *args: Any, fields: tuple[str, ...], model: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in fields:
            field = model._meta.get_field(name)
            widget = forms.Textarea(attrs={"rows": 6}) if field.get_internal_type() == "TextField" else None
            self.fields[name] = forms.CharField(
                label=str(field.verbose_name).capitalize(), required=False, widget=widget, strip=True
            )


@admin.register(Translation)
class TranslationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Translation]):
    list_display = ["content_type", "object_id", "language", "source_version", "stale_since", "updated_at"]
    list_filter = ["language", ("stale_since", admin.EmptyFieldListFilter), "content_type"]
    change_list_template = "admin/translations/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            path("queue/", self.admin_site.admin_view(self.queue_view), name="translations_queue"),
            path(
                "edit/<int:content_type_id>/<int:object_id>/<str:language>/",
                self.admin_site.admin_view(self.edit_view),
                name="translations_edit",
            ),
            *super().get_urls(),
        ]

    def _check(self, request: HttpRequest) -> None:
        if not request.user.has_perm("translations.change_translation"):
            raise Http404

    def queue_view(self, request: HttpRequest) -> HttpResponse:
        self._check(request)
        languages = target_languages()
        codes = [code for code, _name in languages]
        language = request.GET.get("language") or (codes[0] if codes else "")
        if language not in codes:
            raise Http404
        items = translation_queue(language=language)
        rows = [
            {
                "item": item,
                "kind": item.entry.model._meta.verbose_name,
                "diff": source_diff(entry=item.entry, obj=item.obj, translation=item.translation)
                if item.translation is not None
                else {},
                "url": reverse(
                    "admin:translations_edit",
                    args=[ContentType.objects.get_for_model(item.entry.model).pk, item.obj.pk, language],
                ),
            }
            for item in items
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Translation queue"),
            "languages": languages,
            "language": language,
            "rows": rows,
            "missing": sum(1 for item in items if item.translation is None),
            "stale": sum(1 for item in items if item.translation is not None),
        }
        return TemplateResponse(request, "admin/translations/queue.html", context)

    def edit_view(self, request: HttpRequest, content_type_id: int, object_id: int, language: str) -> HttpResponse:
        self._check(request)
        if language not in {code for code, _name in target_languages()}:
            raise Http404
        content_type = ContentType.objects.filter(pk=content_type_id).first()
        model = content_type.model_class() if content_type is not None else None
        entry = translatable(model) if model is not None else None
        if entry is None:
            raise Http404
        obj = entry.model._default_manager.filter(pk=object_id).first()
        if obj is None:
            raise Http404
        current = translation_of(obj, language=language)
        initial = current.fields if current is not None else {}
        form = TranslationForm(request.POST or None, initial=initial, fields=entry.fields, model=entry.model)
        if request.method == "POST" and form.is_valid():
            try:
                translation_save(obj=obj, language=language, fields=form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The translation is saved and current."))
                return redirect(reverse("admin:translations_queue") + f"?language={language}")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Translate “%(object)s”") % {"object": obj},
            "object": obj,
            "kind": entry.model._meta.verbose_name,
            "language": language,
            "language_name": dict(target_languages())[language],
            "translation": current,
            "source": [(form[name].label, entry.source_of(obj)[name]) for name in entry.fields],
            "diff": source_diff(entry=entry, obj=obj, translation=current) if current is not None else {},
            "form": form,
        }
        return TemplateResponse(request, "admin/translations/edit.html", context)
