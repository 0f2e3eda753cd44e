"""Signed tokens in campaign links, and what happens when a member follows one.

Each token names one delivery and is signed with the secret key under its own salt, so a token made for one
purpose never works for another and a tampered one is refused before anything is read or written.
"""

from functools import cache
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Delivery
from campaigns.validators import link_is_allowed
from members.access import may_use_portal, require_portal_access
from members.consent import consent_withdraw, unsubscribe_wording
from members.models import ConsentMethod, Member, Source, Verb
from members.services import record_activity

UNSUBSCRIBE_SALT = "engagement.unsubscribe"
CLICK_SALT = "engagement.click"
OPEN_SALT = "engagement.open"


def absolute(url: str) -> str:
    return settings.SITE_URL + url if url.startswith("/") else url


class BadToken(Exception):
    """The token is malformed or its signature does not match: answer 400 and change nothing."""


def _sign(salt: str, payload: Any) -> str:
    return signing.Signer(salt=salt).sign_object(payload, compress=False)


def _unsign(salt: str, token: str) -> Any:
    try:
        return signing.Signer(salt=salt).unsign_object(token)
    except (signing.BadSignature, ValueError) as error:
        raise BadToken(str(error)) from None


def _url(name: str, token: str) -> str:
    # Resolving the URL once per name, not once per link: a 100-message chunk has hundreds of links.
    return settings.SITE_URL + _url_pattern(name).replace(ARGUMENT_SLOT, token)


ARGUMENT_SLOT = "ARGUMENT"


@cache
def _url_pattern(name: str) -> str:
    return reverse(name, args=[ARGUMENT_SLOT])


def unsubscribe_url(delivery: Delivery) -> str:
    return _url("campaigns:unsubscribe", _sign(UNSUBSCRIBE_SALT, delivery.pk))


def click_url(delivery: Delivery, target: str) -> str:
    return _url("campaigns:click", _sign(CLICK_SALT, [delivery.pk, target]))


def open_url(delivery: Delivery) -> str:
    return _url("campaigns:open", _sign(OPEN_SALT, delivery.pk))


def _delivery_id(payload: Any) -> int:
    if type(payload) is not int:
        raise BadToken(_("The token does not name a delivery."))
    return payload


def _delivery(delivery_id: Any) -> Delivery | None:
    return (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("campaign", "member__user")
        .filter(pk=_delivery_id(delivery_id))
        .first()
    )


def delivery_for_unsubscribe(token: str) -> Delivery | None:
    delivery_id = _delivery_id(_unsign(UNSUBSCRIBE_SALT, token))
    return Delivery.objects.select_related("member__user").filter(pk=delivery_id).first()


@transaction.atomic
def unsubscribe(*, token: str) -> Member | None:
    """Withdraws e-mail consent (once), in the consent history and as activity; None when the delivery no longer
    exists."""
    delivery = _delivery(_unsign(UNSUBSCRIBE_SALT, token))
    if delivery is None:
        return None
    member = Member.objects.select_for_update().get(pk=delivery.member_id)
    if member.consent_email:
        consent_withdraw(member=member, how=ConsentMethod.UNSUBSCRIBE_LINK, wording=unsubscribe_wording())
        record_activity(
            member=member,
            verb=Verb.UNSUBSCRIBED,
            subject=delivery.campaign,
            source=Source.EMAIL,
            details={"delivery": delivery.pk},
        )
    return member


@transaction.atomic
def click(*, token: str) -> str | None:
    """The page the link leads to, after recording the first click; None when the delivery is gone. A member
    who may not use the portal now (suspended, left) is refused (`AccessRefused`) and nothing is recorded.

    The target was signed when the message was rendered, and is checked again here against this site and the
    campaign's allow-list as it is now: a link can never become an open redirect.
    """
    payload = _unsign(CLICK_SALT, token)
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[1], str)):
        raise BadToken(_("The token does not name a delivery and a link."))
    delivery_id, target = payload
    delivery = _delivery(delivery_id)
    if delivery is None or not link_is_allowed(target, link_hosts=delivery.campaign.link_hosts):
        return None
    require_portal_access(delivery.member.user)
    if delivery.clicked_at is None:
        now = timezone.now()
        delivery.clicked_at = now
        delivery.opened_at = delivery.opened_at or now  # a click proves the message was opened
        delivery.save(update_fields=["clicked_at", "opened_at"])
        record_activity(
            member=delivery.member,
            verb=Verb.LINK_CLICKED,
            subject=delivery.campaign,
            source=Source.EMAIL,
            details={"delivery": delivery.pk, "url": target},
        )
    return absolute(target)


@transaction.atomic
def mark_opened(*, token: str) -> bool:
    """Records the first open when the campaign tracks opens; False when there is nothing to record."""
    delivery = _delivery(_unsign(OPEN_SALT, token))
    if delivery is None or not delivery.campaign.track_opens or not may_use_portal(delivery.member.user):
        return False
    if delivery.opened_at is None:
        delivery.opened_at = timezone.now()
        delivery.save(update_fields=["opened_at"])
        record_activity(
            member=delivery.member,
            verb=Verb.MESSAGE_OPENED,
            subject=delivery.campaign,
            source=Source.EMAIL,
            details={"delivery": delivery.pk},
        )
    return True
