"""Creates an API token for an existing user, typically a staff integration's service account."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from members.models import User
from members.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print its secret once (e.g. a service account that posts activity)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The e-mail address of the token's user.")
        parser.add_argument("--name", required=True, help="What will use the token.")
        parser.add_argument("--days", type=int, default=None, help="Expire after this many days (default: never).")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"]).first()
        if user is None:
            raise CommandError(f"No user has the e-mail address {options['email']}.")
        days = options["days"]
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        expires_at = timezone.now() + timedelta(days=days) if days else None
        _, secret = api_token_create(user=user, name=options["name"], expires_at=expires_at)
        self.stdout.write(secret)
