"""``manage.py purge_form_tokens``: forget the one-time form tokens older than a week.

Each form that recorded something left a row (``core.FormSubmission``) so that
sending it again shows what it recorded instead of recording it twice (see
:mod:`core.submissions`). A resend comes seconds or minutes later; after a week
the rows only take space. Run it daily from cron (docs/DEPLOY.md).
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.submissions import purge_submissions

DEFAULT_DAYS = 7


class Command(BaseCommand):
    help = "Delete the one-time form tokens (double-submit guard) older than --days (default 7)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_DAYS,
            help=f"Keep the tokens of the last DAYS days (default {DEFAULT_DAYS}).",
        )

    def handle(self, *args, days, **options):
        if days < 1:
            # A page opened an hour ago must still be recognised when sent twice.
            raise CommandError("--days must be 1 or more.")
        deleted = purge_submissions(older_than=timezone.now() - datetime.timedelta(days=days))
        self.stdout.write(
            self.style.SUCCESS(f"Deleted {deleted} form tokens older than {days} days.")
        )
