"""What a campaign step's body may contain, checked by the models' `clean` and rendered by `campaigns.messages`:
below the models, so it imports none of this app's modules."""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from core.markdown import ALLOWED_TAGS as PAGE_TAGS
from core.markdown import safe_markdown

PLACEHOLDERS = ("name", "organisation", "goal", "goal_link")
# The one placeholder that is a link; the others are text, and a member's name is no place to send anyone.
LINK_PLACEHOLDERS = ("goal_link",)
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
HREF = re.compile(r'href="([^"]*)"')
# An e-mail is a document of its own: its headings start at h2.
EMAIL_TAGS = PAGE_TAGS | {"h2"}


def markdown_html(body: str) -> str:
    return safe_markdown(body, tags=EMAIL_TAGS, link_rel=None)


def check_body(body: str, *, link_hosts: set[str]) -> None:
    """Unknown placeholders and links that lead off the site (and off the allow-list) are refused."""
    errors = [
        gettext("Unknown placeholder %(placeholder)s (use %(known)s).")
        % {"placeholder": "{" + name + "}", "known": ", ".join("{" + p + "}" for p in PLACEHOLDERS)}
        for name in sorted(set(PLACEHOLDER.findall(body)) - set(PLACEHOLDERS))
    ]
    for url in HREF.findall(markdown_html(body)):
        placeholder = PLACEHOLDER.fullmatch(url)
        if placeholder is not None and placeholder[1] not in LINK_PLACEHOLDERS:
            errors.append(gettext("The link %(url)s is not a link placeholder (use {goal_link}).") % {"url": url})
        elif placeholder is None and not link_is_allowed(url, link_hosts=link_hosts):
            errors.append(
                gettext("The link %(url)s leaves this site; add its host to the campaign's allowed links first.")
                % {"url": url}
            )
    if errors:
        raise ValidationError({"body": errors})


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or ""


def link_is_allowed(url: str, *, link_hosts: set[str]) -> bool:
    """This site's own pages (relative or absolute) or a host on the campaign's allow-list; nothing else."""
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return url.startswith("/") and not url.startswith("//") and "\\" not in url
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    return parts.hostname.lower() in link_hosts | {site_host()}
