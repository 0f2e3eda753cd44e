from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from members.access import portal_member_required
from roadmap.selectors import latest_published_revision, published_view


@portal_member_required
def published_roadmap(request: HttpRequest) -> HttpResponse:
    """The latest published revision only: drafts, ratings and prioritisation stay in the admin."""
    revision = latest_published_revision()
    horizons = published_view(revision) if revision else []
    return render(request, "roadmap/published.html", {"revision": revision, "horizons": horizons})
