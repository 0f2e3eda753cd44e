"""Reading the bounce mailbox: a thin task over `engagement.bounce_mailbox.bounce_mailbox_poll`."""

import imaplib
import poplib

from celery import shared_task

from engagement.bounce_mailbox import bounce_mailbox_poll


# Every five minutes (beat). Safe to run twice: a notification is recorded once, by its key; a mail server
# that is down or refuses the login is tried again by the next run.
@shared_task(
    autoretry_for=(OSError, imaplib.IMAP4.error, poplib.error_proto),
    retry_backoff=30,
    max_retries=3,
    ignore_result=True,
)
def poll_bounce_mailbox() -> int:
    return bounce_mailbox_poll().recorded
