import logging

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from initiatives.models import Initiative
from knoble.celery import app as celery_app
from members.access import portal_member_required

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception as error:
        logger.warning("health check: database unreachable: %s", error)
        return False


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception as error:
        logger.warning("health check: broker unreachable: %s", error)
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    body = {name: "ok" if ok else "unreachable" for name, ok in checks.items()}
    return JsonResponse(body, status=200 if all(checks.values()) else 503)


@cache_control(max_age=86400, public=True)
@require_GET
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico whatever the page says: send them to the icon among the static files."""
    return HttpResponseRedirect(static("img/icons/favicon.ico"))


@portal_member_required
@require_GET
def bench_floor(request: HttpRequest) -> HttpResponse:
    """The load test's reference: what any member page costs before its own work (middleware, the cached
    session, the one authentication query, the portal permission check). Mounted only with KNOBLE_BENCH_FLOOR."""
    return HttpResponse(f"floor {request.user.pk}", content_type="text/plain")


LAYOUT_ROWS = 20


@portal_member_required
@require_GET
def bench_layout(request: HttpRequest) -> HttpResponse:
    """The load test's second reference: the simplest member page there could be, the portal's layout (navigation,
    unread count, language switcher) around the titles of twenty initiatives read in one query. Between the floor
    and it lies what every page pays before its own work. Mounted only with KNOBLE_BENCH_FLOOR."""
    initiatives = Initiative.objects.visible().order_by("title").only("title", "slug", "starts_at")[:LAYOUT_ROWS]
    return render(request, "bench/layout.html", {"initiatives": initiatives})
