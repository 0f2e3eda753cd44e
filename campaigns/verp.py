"""Variable envelope return paths: each campaign message's bounces come back to an address naming its delivery.

With KNOBLE_BOUNCE_ADDRESS = "bounces@example.org", delivery 42 is sent with the envelope sender
"bounces+42.<signature>@example.org"; a mail server that cannot deliver it writes its notification to that
address, and the bounce reader learns which delivery failed without trusting anything else in the notification.
The signature keeps anyone from marking other members' deliveries bounced by writing to the mailbox.
"""

from email.utils import getaddresses

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

from campaigns.models import Delivery

BOUNCE_SALT = "engagement.bounce"


class _LocalPartSigner(signing.Signer):
    """Lower-case hex rather than base64: some mail servers fold the case of the local part they deliver to,
    and a '.' separator, since ':' may not appear in an unquoted local part."""

    def signature(self, value: str | bytes, key: str | bytes | None = None) -> str:
        return salted_hmac(f"{BOUNCE_SALT}signer", value, key or self.key, algorithm=self.algorithm).hexdigest()[:32]


def _signer() -> signing.Signer:
    return _LocalPartSigner(salt=BOUNCE_SALT, sep=".")


def bounce_address() -> tuple[str, str] | None:
    """(local part, domain) of the bounce mailbox, or None when VERP is off."""
    local, _, domain = settings.KNOBLE_BOUNCE_ADDRESS.strip().rpartition("@")
    return (local, domain) if local and domain else None


def return_path(delivery: Delivery) -> str | None:
    """The envelope sender for the delivery's message, or None to use the plain sender."""
    address = bounce_address()
    if address is None:
        return None
    local, domain = address
    return f"{local}+{_signer().sign(str(delivery.pk))}@{domain}"


def delivery_id_from(address: str) -> int | None:
    """The delivery a VERP address names, or None when it is not one of ours or its signature is wrong."""
    mailbox = bounce_address()
    if mailbox is None:
        return None
    local, _, domain = address.strip().strip("<>").lower().rpartition("@")
    prefix = mailbox[0].lower() + "+"
    if domain != mailbox[1].lower() or not local.startswith(prefix):
        return None
    try:
        value = _signer().unsign(local.removeprefix(prefix))
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


def delivery_id_in(header_values: list[str]) -> int | None:
    """The first delivery named by any address in these header values (To, Delivered-To, …)."""
    for _name, address in getaddresses(header_values):
        delivery_id = delivery_id_from(address)
        if delivery_id is not None:
            return delivery_id
    return None
