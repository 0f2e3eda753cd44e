"""The page a refused CSRF check answers with, in the site's design (Django's own error views render
`400.html`, `403.html`, `404.html` and `500.html` through `core.api_base`'s handlers)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's default renders its template without the request, so the page would not know who is signed in;
    the reason stays in the log (django.security.csrf), never on the page."""
    return render(request, "403_csrf.html", status=403)
