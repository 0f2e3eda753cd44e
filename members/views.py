from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from members.activity_subjects import subject_link
from members.forms import ApiTokenForm, MemberProfileForm, UserNameForm
from members.languages import supported
from members.models import ApiToken, Member
from members.selectors import activity_for_member, api_tokens_of, member_for_user
from members.services import api_token_create, api_token_revoke, member_language_set, member_profile_update


def _current_member(request: HttpRequest) -> Member:
    member = member_for_user(user=request.user)
    if member is None:
        raise Http404(_("This account has no member profile."))
    return member


@login_required
def awaiting_approval(request: HttpRequest) -> HttpResponse:
    member = member_for_user(user=request.user)
    if member is not None and member.is_approved:
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "members/awaiting_approval.html", {"member": member})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    member = _current_member(request)
    user_form = UserNameForm(request.POST or None, instance=member.user, prefix="user")
    member_form = MemberProfileForm(request.POST or None, instance=member, prefix="member")
    if request.method == "POST" and user_form.is_valid() and member_form.is_valid():
        # The forms validate; the service applies the change and records which fields moved.
        member_profile_update(
            member=Member.objects.select_related("user").get(pk=member.pk),
            user_fields=user_form.cleaned_data,
            member_fields=member_form.cleaned_data,
            consent_wording=member_form.consent_wording(),
        )
        messages.success(request, _("Your profile is saved."))
        return redirect("members:profile")
    return render(
        request, "members/profile.html", {"member": member, "user_form": user_form, "member_form": member_form}
    )


@login_required
def my_activity(request: HttpRequest) -> HttpResponse:
    member = _current_member(request)
    page = Paginator(activity_for_member(member=member), 25).get_page(request.GET.get("page"))
    rows = [(activity, subject_link(activity.subject)) for activity in page]
    return render(request, "members/activity.html", {"member": member, "page": page, "rows": rows})


# The secret waits in the server-side session for the one page after the redirect, so that reloading the
# page shows it no more and creates no second token.
SHOW_ONCE_SESSION_KEY = "members.new_api_token"


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """Create and list one's API tokens. A new token's secret is shown once, on the page after the redirect."""
    user = request.user
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _, request.session[SHOW_ONCE_SESSION_KEY] = api_token_create(
            user=user,  # type: ignore[arg-type]
            name=form.cleaned_data["name"],
            expires_at=form.expires_at(),
        )
        return redirect("members:api_tokens")
    new_secret = request.session.pop(SHOW_ONCE_SESSION_KEY, None) if request.method == "GET" else None
    return render(
        request,
        "members/api_tokens.html",
        {"form": form, "tokens": api_tokens_of(user=user), "new_secret": new_secret},  # type: ignore[arg-type]
    )


@login_required
@require_http_methods(["POST"])
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = api_token_revoke(user=request.user, token_id=token_id)  # type: ignore[arg-type]
    except ApiToken.DoesNotExist as missing:
        raise Http404(_("No such token.")) from missing
    messages.success(request, _("The token “%(token)s” is revoked.") % {"token": token.name})
    return redirect("members:api_tokens")


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The switcher in the navigation: Django's `set_language` (a cookie, then back to the page), and for a
    signed-in member their profile's language too, which their e-mail follows and which wins on every device."""
    response = set_language(request)
    member = getattr(request.user, "member", None) if request.user.is_authenticated else None
    if member is not None and supported(request.POST.get("language")):
        member_language_set(member=member, language=request.POST["language"])
    return response
