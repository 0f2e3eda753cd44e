"""The DSN samples under tests/campaigns/dsn/, filled in for one delivery."""

from pathlib import Path

from campaigns.models import Delivery
from campaigns.verp import return_path

SAMPLES = Path(__file__).parent / "dsn"
HARD = ["postfix_hard_550.eml", "exim_hard_550.eml", "gmail_hard_550.eml", "exchange_hard_550.eml"]
SOFT = "postfix_soft_422_mailbox_full.eml"
AUTO_REPLY = "auto_reply.eml"


def sample(name: str, delivery: Delivery, *, message_id: str = "") -> bytes:
    text = SAMPLES.joinpath(name).read_text()
    text = text.replace("{VERP}", return_path(delivery) or "").replace("{RCPT}", delivery.member.user.email)
    if message_id:
        text = "\n".join(
            f"Message-ID: {message_id}" if line.lower().startswith("message-id:") else line
            for line in text.splitlines()
        )
    return text.replace("\n", "\r\n").encode()
