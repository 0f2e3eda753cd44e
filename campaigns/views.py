"""The pages campaign links lead to (none needs a login: the signed token is the authority), and the member's digest
choice."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns import digests, tracking
from campaigns.forms import DigestPreferenceForm
from members.access import AccessRefused, portal_member_required, refusal_page
from members.consent import unsubscribe_wording
from members.selectors import member_for_user

# The smallest transparent GIF: what an open-tracking image answers with.
PIXEL = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


# RFC 8058 one-click unsubscribe: the mail client POSTs "List-Unsubscribe=One-Click" with no cookie or CSRF
# token. A GET only shows the confirmation page, so link scanners that prefetch URLs never unsubscribe anyone.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "GET":
            delivery = tracking.delivery_for_unsubscribe(token)
            if delivery is None:
                raise Http404(_("This link is no longer valid."))
            context = {"member": delivery.member, "done": False, "question": unsubscribe_wording()}
            return render(request, "campaigns/unsubscribe.html", context)
        member = tracking.unsubscribe(token=token)
    except tracking.BadToken:
        return HttpResponseBadRequest(_("This unsubscribe link is not valid."))
    if member is None:
        raise Http404(_("This link is no longer valid."))
    return render(request, "campaigns/unsubscribe.html", {"member": member, "done": True})


@require_GET
def click(request: HttpRequest, token: str) -> HttpResponse:
    try:
        target = tracking.click(token=token)
    except tracking.BadToken:
        return HttpResponseBadRequest(_("This link is not valid."))
    except AccessRefused as refused:
        return refusal_page(request, refused.access)
    if target is None:
        raise Http404(_("This link does not lead anywhere."))
    return HttpResponseRedirect(target)


@require_GET
def opened(request: HttpRequest, token: str) -> HttpResponse:
    try:
        tracking.mark_opened(token=token)
    except tracking.BadToken:
        return HttpResponseBadRequest(_("Not a valid image."))
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


@portal_member_required
@require_POST
def digest_preference(request: HttpRequest) -> HttpResponse:
    """The member's digest choice, posted from the profile page (`email_digest` extension point)."""
    form = DigestPreferenceForm(request.POST)
    member = member_for_user(user=request.user)
    if member is None:
        raise Http404
    if form.is_valid():
        digests.digest_preference_set(member=member, frequency=form.cleaned_data["frequency"])
        messages.success(request, _("Your e-mail digest setting is saved."))
    else:
        messages.error(request, _("Choose how often to receive the digest."))
    return redirect(reverse("members:profile") + "#digest")


# Like the campaign unsubscribe: a GET shows the question, a POST (a click on the page, or the mail client's
# RFC 8058 one-click request, without cookie or CSRF token) turns the digest off.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    member = digests.member_for_unsubscribe(token)
    if member is None:
        return HttpResponseBadRequest(_("This unsubscribe link is not valid."))
    if request.method == "POST":
        digests.digest_unsubscribe(member=member)
    return render(request, "campaigns/digest_unsubscribe.html", {"member": member, "done": request.method == "POST"})
