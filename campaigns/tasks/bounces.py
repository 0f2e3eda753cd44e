"""Reading the bounce mailbox: a thin task over `campaigns.bounce_mailbox.bounce_mailbox_poll`."""

import imaplib
import poplib

from celery import shared_task

from campaigns.bounce_mailbox import bounce_mailbox_poll


# Every five minutes (beat). Safe to run twice: a notification is recorded once, by its key; a mail server
# that is down or refuses the login is tried again by the next run. The name is the one it had before engagement
# split into three apps, so that a message queued during an upgrade still runs.
@shared_task(
    name="engagement.tasks.bounces.poll_bounce_mailbox",
    autoretry_for=(OSError, imaplib.IMAP4.error, poplib.error_proto),
    retry_backoff=30,
    max_retries=3,
    ignore_result=True,
)
def poll_bounce_mailbox() -> int:
    return bounce_mailbox_poll().recorded
