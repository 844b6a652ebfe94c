"""``manage.py rebuild_totals``: recompute the dashboard's running totals from the documents.

The services keep them (``PurchaseDay``, ``SaleDay``, ``ProductSales``…) up to
date as documents are recorded and voided. After writing documents behind
their back (a bulk import, a partial restore), recompute them;
``verify_stock`` tells whether that is needed. Every document app registers
its totals (see :mod:`core.totals`).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from core.totals import registered_running_totals


class Command(BaseCommand):
    help = "Recompute every document type's daily and per-product running totals from its lines."

    def handle(self, *args, **options):
        registered = registered_running_totals()
        try:
            with transaction.atomic():
                for totals in registered:
                    totals.rebuild()
        except IntegrityError as error:
            # The totals' own constraints (no negative sales of a product…) refuse what
            # the documents add up to: the documents are wrong, not the totals, and
            # rebuilding cannot mend them.
            raise CommandError(
                "Nothing was rebuilt: the documents add up to totals the database refuses "
                f"({error}). Run verify_stock to see which documents disagree, and correct "
                "them first."
            ) from error
        described = [totals.describe() for totals in registered]
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {', '.join(described)}."))
