"""Analytics' services: what a request asks of the app, enqueued for the worker (tasks call `analytics.digest`)."""

from analytics.tasks import send_digest
from members.models import User


def digest_request(*, user: User) -> None:
    """Queues the digest for one person once the request's transaction commits."""
    send_digest.delay_on_commit(user.pk)
