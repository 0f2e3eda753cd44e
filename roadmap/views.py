from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.permissions import PORTAL_PERMISSION
from roadmap.selectors import latest_published_revision, published_view


@login_required
@permission_required(PORTAL_PERMISSION, raise_exception=True)
def published_roadmap(request: HttpRequest) -> HttpResponse:
    """The latest published revision only: drafts, ratings and prioritisation stay in the admin."""
    revision = latest_published_revision()
    horizons = published_view(revision) if revision else []
    return render(request, "roadmap/published.html", {"revision": revision, "horizons": horizons})
