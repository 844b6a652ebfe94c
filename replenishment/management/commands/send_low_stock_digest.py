"""``manage.py send_low_stock_digest``: email what crossed its minimum since the last digest.

Meant to run daily from cron or the task runner. Each subscribed active user
with an email address (and the permission to receive it) gets one email
listing the (product, store) pairs whose projected stock is at or below
their minimum now and were not in the last digest. Nothing new: nothing is
sent. See :func:`replenishment.services.digest_send`.
"""

from django.core.management.base import BaseCommand

from replenishment.services import digest_send


class Command(BaseCommand):
    help = (
        "Email subscribed managers the products that fell to their minimum since the last digest."
    )

    def handle(self, *args, **options):
        result = digest_send()
        if not result.recipients:
            self.stdout.write(
                "No one subscribed to the digest (with an email address): nothing sent."
            )
            return
        if not result.new:
            self.stdout.write(
                f"Nothing crossed its minimum since the last digest: nothing sent "
                f"({len(result.digest.items)} pairs still low)."
            )
            return
        pairs = "pair" if len(result.new) == 1 else "pairs"
        people = "recipient" if len(result.recipients) == 1 else "recipients"
        self.stdout.write(
            self.style.SUCCESS(
                f"Sent the low-stock digest of {len(result.new)} new {pairs} to "
                f"{len(result.recipients)} {people}: "
                + ", ".join(user.email for user in result.recipients)
            )
        )
