"""``manage.py rebuild_totals``: recompute the dashboard's running totals from the documents.

The services keep ``PurchaseDay``, ``SaleDay`` and ``ProductSales`` up to date
as documents are recorded and voided. After writing documents behind their
back (a bulk import, a partial restore), recompute them; ``verify_stock``
tells whether that is needed.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from purchases.models import PurchaseDay
from purchases.services import rebuild_totals as rebuild_purchase_totals
from sales.models import ProductSales, SaleDay
from sales.services import rebuild_totals as rebuild_sale_totals


class Command(BaseCommand):
    help = "Recompute the daily purchase and sale totals and the per-product sales totals."

    def handle(self, *args, **options):
        with transaction.atomic():
            rebuild_purchase_totals()
            rebuild_sale_totals()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {PurchaseDay.objects.count():,} purchase days, "
                f"{SaleDay.objects.count():,} sale days and "
                f"{ProductSales.objects.count():,} per-product sales totals."
            )
        )
