"""The access log for the people who may read it: staff, and an organisation's admin for its own objects."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from members.access import portal_member_required
from sharing.forms import AccessLogFilter
from sharing.selectors import access_log_for, reads_access_log

PAGE_SIZE = 50


@portal_member_required
def access_log(request: HttpRequest) -> HttpResponse:
    if not reads_access_log(request.user):
        raise PermissionDenied
    filterset = AccessLogFilter(request.GET or None, queryset=access_log_for(user=request.user))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "sharing/access_log.html", {"filter": filterset, "page": page})
