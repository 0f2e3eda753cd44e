"""The member's digest choice on the profile page: the `email_digest` tag library.

`members` sits below `campaigns` and never names it. The wiring declares this module as an extension point under a
neutral name (`TEMPLATES["OPTIONS"]["libraries"]["email_digest"]` in `knoble/settings.py`); the profile template
`{% load email_digest %}` and shows the form, which posts to `campaigns:digest_preference`. It lives outside
`templatetags/` so that it is loaded by that name only.
"""

from typing import Any

from django import template

from campaigns.digests import digest_frequency
from campaigns.forms import DigestPreferenceForm
from members.models import Member

register = template.Library()


@register.inclusion_tag("campaigns/_digest_preference.html", takes_context=True)
def digest_preference(context: dict[str, Any], *, member: Member) -> dict[str, Any]:
    """`{% digest_preference member=member %}`: the digest choice, off unless the member chose one."""
    return {
        "form": DigestPreferenceForm(initial={"frequency": digest_frequency(member=member)}),
        "csrf_token": context.get("csrf_token"),
    }
