"""Input no view should ever see: refused with a 400 before routing, so it cannot reach the database as a 500."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from core.api_base import API_PREFIX, error_body

NUL = "\x00"


def _has_nul(request: HttpRequest) -> str | None:
    """The first part of the request that carries a NUL: PostgreSQL refuses it in any text value."""
    if NUL in request.path:
        return "path"
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in value for value in values):
            return key.replace(NUL, "") or "query"
    return None


class ClientInputMiddleware:
    """Two rules on what a client may send in the address.

    - No NUL character anywhere in the path or the query, on every page: a 400, never a database error.
    - Under /api/v1/, each query parameter at most once and never empty (`?country=`, `?sector=a&sector=b`),
      on every endpoint, filter set or not. A view that takes a list in a repeated parameter names it in
      `repeatable_query_params`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = _has_nul(request)
        if where is not None:
            message = _("The address may not contain a NUL character.")
            if request.path.startswith(API_PREFIX):
                return JsonResponse(error_body(400, "invalid", message, {where: [message]}), status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        # The versioned endpoints only: the docs page loads its set-up from `/api/docs/?script`.
        if not request.path.startswith(f"{API_PREFIX}v1/"):
            return None
        view_class = getattr(view_func, "cls", None)
        repeatable = set(getattr(view_class, "repeatable_query_params", ()))
        fields = {
            name: [_("Give this parameter once, with a value.")]
            for name, values in request.GET.lists()
            if "" in values or (len(values) > 1 and name not in repeatable)
        }
        if fields:
            message = _("The request is not valid; see the fields.")
            return JsonResponse(error_body(400, "invalid", message, fields), status=400)
        return None
