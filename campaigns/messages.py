"""Rendering campaign messages: Markdown once per step, then cheap per-member substitution and tracked links."""

from dataclasses import dataclass
from email.utils import parseaddr
from html import escape, unescape

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils.translation import gettext

from campaigns.models import Campaign, CampaignStep, Delivery
from campaigns.plaintext import html_to_text
from campaigns.tracking import absolute, click_url, open_url, unsubscribe_url
from campaigns.validators import HREF, PLACEHOLDER, link_is_allowed, markdown_html
from campaigns.verp import return_path
from ecosystem.models import ReviewState
from initiatives.models import Initiative
from members.languages import in_member_language
from members.models import Member
from sharing.models import BROADCAST
from translations.selectors import translation_of


@dataclass(frozen=True)
class PortalLink:
    """A page of this site the step points to (an ecosystem stage or red flag): a label and a relative URL."""

    label: str
    url: str


def portal_links(step: CampaignStep) -> tuple[PortalLink, ...]:
    """The step's stages, then its red flags that every member can see (published, labelled for the whole
    membership), as links to their pages: the message is rendered once for all its recipients."""
    stages = step.stages.select_related("category").order_by("category__order", "category__name", "order")
    red_flags = step.red_flags.filter(review_state=ReviewState.PUBLISHED, label__in=BROADCAST).order_by("pk")
    return (
        *(
            PortalLink(
                f"{stage.name} ({stage.category.name} map)",
                f"{reverse('ecosystem:map', args=[stage.category.slug])}?stage={stage.pk}#red-flags",
            )
            for stage in stages
        ),
        *(
            PortalLink(f"Red flag: {flag.indicator}", reverse("ecosystem:red_flag", args=[flag.pk]))
            for flag in red_flags
        ),
    )


@dataclass(frozen=True)
class Template:
    """A step rendered once; `personalise` fills in one member."""

    subject: str
    text: str
    html: str
    links: tuple[PortalLink, ...] = ()

    @classmethod
    def for_step(cls, step: CampaignStep, *, language: str | None = None) -> "Template":
        """The step in `language` when a translator translated it (translations), else as written."""
        translation = translation_of(step, language=language) if language else None
        subject = (translation.text("subject") if translation else None) or step.subject
        body = (translation.text("body") if translation else None) or step.body
        return cls(subject=subject, text=body, html=markdown_html(body), links=portal_links(step))


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    unsubscribe_url: str = ""  # only for a delivery: test sends and previews carry none


def _values(member: Member, goal: Initiative | None, *, name: str | None = None) -> dict[str, str]:
    return {
        "name": name or member.user.get_full_name() or "member",
        "organisation": member.organisation.name if member.organisation else "your organisation",
        "goal": goal.title if goal else "",
        "goal_link": absolute(goal.get_absolute_url()) if goal else settings.SITE_URL + "/",
    }


def _fill(text: str, values: dict[str, str], *, html: bool) -> str:
    return PLACEHOLDER.sub(
        lambda match: (escape(values[match[1]]) if html else values[match[1]]) if match[1] in values else match[0],
        text,
    )


def subject_for_report(subject: str, *, goal: str) -> str:
    """A step's subject as staff read it in reports: the goal filled in as members see it, the per-member
    placeholders ({name}, {organisation}) named in brackets."""
    return _fill(subject, {"goal": goal, "name": "[name]", "organisation": "[organisation]"}, html=False)


def _without_unsafe_links(html: str, *, link_hosts: set[str]) -> str:
    """The message's links checked once more with the member's values in them (a step saved before the rules,
    or a value that turns a relative link into another site's): a link that fails keeps its text, loses its
    target."""
    return HREF.sub(lambda match: match[0] if link_is_allowed(unescape(match[1]), link_hosts=link_hosts) else "", html)


def personalise(
    template: Template, *, member: Member, campaign: Campaign, delivery: Delivery | None, name: str | None = None
) -> Message:
    """One member's message, in the member's language (every e-mail and in-app copy of a campaign is written
    here); with a delivery its links are tracked and it carries an unsubscribe link."""
    with in_member_language(member.language):
        return _personalise(template, member=member, campaign=campaign, delivery=delivery, name=name)


def _personalise(
    template: Template, *, member: Member, campaign: Campaign, delivery: Delivery | None, name: str | None
) -> Message:
    values = _values(member, campaign.goal, name=name)
    subject = _fill(template.subject, values, html=False)
    body = _without_unsafe_links(_fill(template.html, values, html=True), link_hosts=campaign.link_hosts)
    portal = ""
    if template.links:
        # Added after the placeholders are filled, so a name with braces in it stays as written.
        items = "".join(f'<li><a href="{escape(link.url)}">{escape(link.label)}</a></li>' for link in template.links)
        heading = escape(gettext("On the portal"))
        portal = f"<h3>{heading}</h3><ul>{items}</ul>"
    unsubscribe = ""
    if delivery is None:
        footer_url = settings.SITE_URL + "/profile/"
        body, portal = (HREF.sub(lambda match: f'href="{escape(absolute(match[1]))}"', part) for part in (body, portal))
        link_urls = [absolute(link.url) for link in template.links]
    else:
        footer_url = unsubscribe = unsubscribe_url(delivery)
        body, portal = (
            HREF.sub(lambda match: f'href="{escape(click_url(delivery, absolute(match[1])))}"', part)
            for part in (body, portal)
        )
        link_urls = [click_url(delivery, absolute(link.url)) for link in template.links]
    # The plain text is written from the HTML, so its links are the same absolute, tracked ones.
    text = html_to_text(body)
    html = body + portal
    if delivery is not None and campaign.track_opens:
        html += f'<img src="{escape(open_url(delivery))}" width="1" height="1" alt="">'
    if template.links:
        text += (
            "\n\n"
            + gettext("On the portal:")
            + "\n"
            + "".join(f"- {link.label}: {url}\n" for link, url in zip(template.links, link_urls, strict=True))
        )
    text += "\n\n--\n" + gettext("The Knoble. To stop campaign e-mail: %(url)s") % {"url": footer_url} + "\n"
    signature, unsubscribe_text = escape(gettext("The Knoble.")), escape(gettext("Unsubscribe"))
    html += f'<hr><p style="font-size:small">{signature} <a href="{escape(footer_url)}">{unsubscribe_text}</a></p>'
    return Message(subject=subject, text=text, html=html, unsubscribe_url=unsubscribe)


def message_id_for(delivery: Delivery) -> str:
    """Stable per delivery, so a repeat after a crash is recognisable as the same message."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "knoble.local"
    return f"<campaign-{delivery.campaign_id}.delivery-{delivery.pk}@{domain}>"


def email_for(message: Message, *, to: str, delivery: Delivery | None) -> EmailMultiAlternatives:
    headers = {}
    if delivery is not None:
        headers = {
            "Message-ID": message_id_for(delivery),
            "List-Unsubscribe": f"<{message.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    envelope_sender = return_path(delivery) if delivery is not None else None
    if envelope_sender is not None:
        # Django sends from `from_email` and writes the From header from `headers` when it is there.
        headers["From"] = settings.DEFAULT_FROM_EMAIL
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.text, to=[to], headers=headers, from_email=envelope_sender
    )
    email.attach_alternative(message.html, "text/html")
    return email
