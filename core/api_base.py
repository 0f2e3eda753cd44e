"""Shared pieces of the API: role permissions and the one error shape (throttles and paging: `api_limits`).

Each app's `api.py` builds on these; this module imports no app of ours, so any app may use it.
"""

import copy
import datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models
from django.db.models import Model, ProtectedError, QuerySet, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.defaults import bad_request, page_not_found, permission_denied, server_error
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise
    from rest_framework.views import APIView

API_PREFIX = "/api/"

_WRITE_ACTIONS = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


def model_permission(model: type[Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


class RolePermission(permissions.BasePermission):
    """Reads need any one of the view's `read_permissions`; writes need the model permission for the method
    (add, change, delete), which only staff hold. Object scoping is the queryset's job, so a row the caller
    may not see is a 404, never a 403."""

    message = _("Your role does not allow this.")

    def has_permission(self, request: Request, view: "APIView") -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return any(user.has_perm(name) for name in getattr(view, "read_permissions", ()))
        model = view.get_queryset().model  # type: ignore[attr-defined]
        return user.has_perm(model_permission(model, _WRITE_ACTIONS.get(request.method or "", "change")))


_M = TypeVar("_M", bound=Model)


class StrictCharField(serializers.CharField):
    """Text must arrive as a JSON string, as the schema says: DRF would turn 12 or 1e231 into "12"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictSlugField(StrictCharField, serializers.SlugField):
    pass


_STRICT_TEXT_FIELD_MAPPING = {
    **serializers.ModelSerializer.serializer_field_mapping,
    models.CharField: StrictCharField,
    models.TextField: StrictCharField,
    models.SlugField: StrictSlugField,
}


# Every model serializer of the API maps text columns to the strict text fields. (A comment, not a
# docstring: the schema would show it as the description of every serializer built on this one.)
class StrictModelSerializer(serializers.ModelSerializer[_M]):
    serializer_field_mapping = _STRICT_TEXT_FIELD_MAPPING


# Runs the model's own rules (field validators, `clean`, constraints) before saving, so that input the
# database would refuse is a 400 with the field named, never a 500. (A comment, not a docstring: the schema
# would show a docstring as the description of every serializer built on this one.)
class ModelCheckedSerializer(StrictModelSerializer[_M]):
    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        model = cast(type[Model], self.Meta.model)
        many = {field.name for field in model._meta.many_to_many}
        candidate = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name not in many:
                setattr(candidate, name, value)
        try:
            candidate.full_clean(exclude=many)
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error
        return attrs


def boolean_filter(field_name: str, *, lookup_expr: str = "exact", label: "str | StrPromise" = "") -> Any:
    """A boolean query filter that refuses anything but true or false (django-filter's ignores them)."""

    def apply(queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(**{f"{field_name}__{lookup_expr}": value == "true"})

    return django_filters.ChoiceFilter(
        label=label or None, choices=[("true", "true"), ("false", "false")], method=apply
    )


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time moved to UTC: PostgreSQL refuses some offsets Python accepts (`-23:17`), and a
    moment at the edge of the calendar that has no UTC equivalent is a 400, not an overflow."""

    default_error_messages = {"overflow": _("This date-time is outside the range the portal can store.")}

    def to_python(self, value: Any) -> datetime.datetime | None:
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(datetime.UTC)
        except OverflowError as error:
            raise DjangoValidationError(self.error_messages["overflow"], code="overflow") from error


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class ApiFilterSet(django_filters.FilterSet):
    """The base of every API filter set: date-time filters read ISO 8601 and compare in UTC.

    A filter given twice or given empty is refused (django-filter would quietly use the last value, or none)
    for every query parameter of every endpoint, before any view runs: `core.middleware.ClientInputMiddleware`."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.DateTimeField: {"filter_class": UtcIsoDateTimeFilter},
    }


class ApiFilterBackend(DjangoFilterBackend):
    """The API's filter backend: filter sets it builds from a view's `filterset_fields` share that base too."""

    filterset_base = ApiFilterSet


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = _("The request conflicts with the current state.")
    default_code = "conflict"


def _plain_text(detail: Any) -> str:
    """The messages of a detail as one sentence: str() of a list would put its Python repr in front of clients."""
    if isinstance(detail, list | tuple):
        return " ".join(_plain_text(item) for item in detail)
    return str(detail)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every 4xx answers {"error": {"status", "code", "message", "fields"}} whatever raised it."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        # Services validate with Django's ValidationError: the caller sent something the rules refuse.
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = Conflict(_("Other records still refer to this one, so it cannot be deleted."))
    elif isinstance(exc, IntegrityError):
        # Serializers check the model's rules first; this is the database settling a race between two writers.
        exc = Conflict(_("The change conflicts with the current data; nothing was changed."))
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    fields: dict[str, Any] = {}
    if isinstance(detail, dict) and not isinstance(exc, exceptions.Throttled):
        fields = {key: value for key, value in detail.items() if key != "detail"}
        message = _plain_text(detail.get("detail", "The request is not valid; see the fields."))
        code = code.get("detail", "invalid") if isinstance(code, dict) else code
    elif isinstance(detail, list):
        message = _plain_text(detail)
        code = "invalid"
    else:
        message = str(detail)
    if isinstance(code, list):
        code = code[0] if code else "invalid"
    response.data = error_body(response.status_code, str(code), message, fields)
    return response


def error_body(status: int, code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"status": status, "code": code, "message": message, "fields": fields or {}}}


# Django's own error views answer what DRF's handler never sees (no route, a middleware's refusal, a crash):
# under /api/ they keep the API's one error shape, elsewhere they are Django's pages.


def api_aware_bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse(error_body(400, "bad_request", gettext("The request is not valid.")), status=400)
    return bad_request(request, exception)


def api_aware_permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse(error_body(403, "permission_denied", gettext("Your role does not allow this.")), status=403)
    return permission_denied(request, exception)


def api_aware_page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse(error_body(404, "not_found", gettext("No such endpoint.")), status=404)
    return page_not_found(request, exception)


def api_aware_server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        message = gettext("Something went wrong on our side; nothing was changed. Please try again later.")
        return JsonResponse(error_body(500, "server_error", message), status=500)
    return server_error(request)
