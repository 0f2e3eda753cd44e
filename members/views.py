from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from members.forms import MemberProfileForm, UserNameForm
from members.models import Member
from members.selectors import activity_for_member, member_for_user
from members.services import member_profile_update


def _current_member(request: HttpRequest) -> Member:
    member = member_for_user(user=request.user)  # type: ignore[arg-type]
    if member is None:
        raise Http404("This account has no member profile.")
    return member


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "members/landing.html")
    return render(request, "members/home.html", {"member": member_for_user(user=request.user)})


@login_required
def awaiting_approval(request: HttpRequest) -> HttpResponse:
    member = member_for_user(user=request.user)  # type: ignore[arg-type]
    if member is not None and member.is_approved:
        return redirect("members:home")
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
        )
        messages.success(request, "Your profile is saved.")
        return redirect("members:profile")
    return render(
        request, "members/profile.html", {"member": member, "user_form": user_form, "member_form": member_form}
    )


@login_required
def my_activity(request: HttpRequest) -> HttpResponse:
    member = _current_member(request)
    page = Paginator(activity_for_member(member=member), 25).get_page(request.GET.get("page"))
    return render(request, "members/activity.html", {"member": member, "page": page})
